"""The bindings report's page: bindings-report.md written from the results of
make_report.py (measured now or read back with --from-json), with every
conclusion decided by those numbers. No phaseforge import: rendering needs
only the saved results."""
import os

# Interleaved pairs per batch measurement (make_report.py takes them; the page states it).
BATCH_PAIRS = 7


def pct_range(d, prefix=""):
    """'+0.4 % (−0.3 … +1.1)': the median paired difference and its range."""
    return (f"{100 * d[prefix + 'diff']:+.2f} % ({100 * d[prefix + 'diff_min']:+.1f} … "
            f"{100 * d[prefix + 'diff_max']:+.1f})")



def fmt(x, digits=1):
    return "—" if x is None else f"{x:.{digits}f}"


COUNTER_KEYS = ["host_to_device_copies", "device_to_host_copies", "device_to_device_copies",
                "allocations", "frees", "kernel_launches", "graph_launches", "synchronisations"]


def write_markdown(res, out_dir):
    o, mem = res["overhead"], res["memory"]
    rows = res["sizes"]
    by_n = {r["n"]: r for r in rows}
    L = []
    L.append("# Python bindings: what they cost, and who owns GPU memory\n")
    L.append(f"Measured on **{res['gpu']}** (driver {res['driver']}), {res['date']}, commit "
             f"`{res['commit']}`, Python {res['python']}, numpy {res['numpy']}, "
             f"CuPy {res.get('cupy', '—')}, PyTorch {res.get('torch', '—')}. All numbers below come "
             "from one run of `bench/python/make_report.py` on the device "
             "(`tools/python-gpu-check build` here, then the device call `tools/python-gpu-check run` "
             "with `.pydevice` carried); its raw numbers are in `bench/results/bindings-results.json`, "
             "and `make_report.py --from-json` renders this page and the plots from them.\n")
    L.append("**How Python and C++ are compared.** Every comparison below times the Python call and "
             "the same work called from C++ in interleaved pairs, in the same process, the order "
             "alternating from pair to pair (Python first, then C++ first, ...), so that slow "
             "drift of the machine falls on both alike. The difference quoted is the median of the "
             "paired relative differences; the range of the pairs follows in brackets.\n")
    L.append("## Per-iteration time, µs per GS iteration (one start, N × N)\n")
    L.append("| N | per iteration (`metrics=False`) | C++ loop of the same | per iteration, with metrics | "
             "C++ loop of the same | per kernel | C++ loop of the 4 kernels | engine bench (graph) | "
             "CuPy tuned | PyTorch graph |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        pi = r["per_iteration"]
        L.append(f"| {r['n']} | {fmt(pi['us'])} | {fmt(pi['native_us'])} | {fmt(pi.get('metrics_us'))} | "
                 f"{fmt(pi.get('metrics_native_us'))} | {fmt(r['per_kernel']['us'])} | "
                 f"{fmt(r['per_kernel']['native_us'])} | {fmt(r.get('engine_us'))} | "
                 f"{fmt(r['peers'].get('cupy'))} | {fmt(r['peers'].get('torch'))} |")
    L.append("\n![per-iteration times](img/bindings-times.png)\n")
    L.append(f"Per iteration: a Python loop of `r.iterate(metrics=False)` (no metrics record), and of "
             "`r.iterate()` (a record at the end of every call), then `r.finish()`. Per kernel: "
             "`project_object, fft2, project_magnitude, ifft2` on `DeviceArray`s, then one wait. Each "
             "beside the same calls made from a C++ loop in the same process, on the same engine or "
             f"buffers (host clock around a batch and its wait; median of {BATCH_PAIRS} interleaved "
             "pairs of batches). The engine bench column is `pf_bench_gpu` (CUDA-event timed graph "
             "replays of `iterate(n)`), the peers are `bench/gpu/peers.py`, all in the same run. A loop "
             "of `iterate()` is slower than the engine bench at small N because each call is its own "
             "graph launch, not because of Python: the C++ loop of the same calls costs the same.\n")
    L.append("## One call: `phaseforge.reconstruct` against `pf::reconstruct` from C++\n")
    L.append("The Python side is the wall time of the whole `phaseforge.reconstruct(...)` call as a "
             "user pays for it: argument checks, the copy of the magnitudes in, engine creation, load, "
             "the GS iterations, the result read back and converted to numpy. The C++ side is "
             "`pf::reconstruct` on the same problem and parameters, timed inside C++ from engine "
             "creation to the result (no conversion at all), in the same process.\n")
    if res.get("one_call_run"):
        L.append(f"This section and the one-call column below come from a second run on the same "
                 f"machine, at commit `{res['one_call_run']['commit']}` "
                 f"({res['one_call_run']['date']}); everything else from the run above.\n")
    L.append("| N | iterations | Python, ms (median) | C++, ms (median) | difference: median of pairs (range) "
             "| pairs | spread of the calls, Python / C++ |")
    L.append("|---|---|---|---|---|---|---|")
    for r in rows:
        oc = r["one_call"]
        L.append(f"| {r['n']} | {oc['iterations']} | {1e3 * oc['call_s']:.1f} | {1e3 * oc['native_call_s']:.1f} | "
                 f"{pct_range(oc)} | {oc['pairs']} | {100 * oc['spread']:.1f} % / {100 * oc['native_spread']:.1f} % |")
    L.append("\nThe call is dominated by the host-side load (the initial spectrum is built in double "
             "on the host), identical on both sides; what the binding adds is one copy of the "
             "magnitudes in (the result's object and support move into numpy without a copy) and the "
             "Python call itself. The spread column is each side's own "
             "(max − min) / median over its calls: where it is larger than the difference, the "
             "machine's run-to-run noise, not the binding, sets the range.\n")
    if res.get("one_call_earlier"):
        e = res["one_call_earlier"]
        L.append(f"{e['note']} Medians of the pairs then: " +
                 ", ".join(f"{n}: {100 * d:+.1f} %" for n, d in e["diff"].items()) + ".\n")
    L.append("## Overhead against the same work from C++\n")
    L.append("Median of the interleaved pairs, with their range.\n")
    L.append("| N | one call (whole call) | per iteration, `metrics=False` | per iteration, with metrics | per kernel |")
    L.append("|---|---|---|---|---|")
    for r in rows:
        pi = r["per_iteration"]
        with_metrics = pct_range(pi, "metrics_") if "metrics_diff" in pi else "—"
        L.append(f"| {r['n']} | {pct_range(r['one_call'])} | {pct_range(pi)} | {with_metrics} | "
                 f"{pct_range(r['per_kernel'])} |")
    L.append("\n![overhead](img/bindings-overhead.png)\n")
    L.append("## One kernel call, broken down (host side, µs per call)\n")
    L.append("| what | µs |")
    L.append("|---|---|")
    L.append(f"| empty call (`_bench.noop()`: pybind11 dispatch) | {o['empty_us']:.3f} |")
    L.append(f"| trivial call with three DeviceArray arguments, unconverted | {o['trivial_us']:.3f} |")
    L.append(f"| argument conversion (three DeviceArray look-ups) | {o['convert_us']:.3f} |")
    L.append(f"| `kernels.project_object(g, g_out, g)` from Python ({o['n']}²) | {o['kernel_call_us']:.3f} |")
    L.append(f"| the same launch from C++ (`pf::gpu::projectObject`) | {o['native_launch_us']:.3f} |")
    L.append(f"| **overhead on top of the launch** | **{o['overhead_us']:.3f}** |")
    L.append(f"| `kernels.fft2` (cuFFT r2c) from Python | {o['fft_call_us']:.3f} |")
    if o.get("cupy_arg_call_us"):
        L.append(f"| `kernels.project_object` on CuPy arrays (interface parsed per call) | {o['cupy_arg_call_us']:.3f} |")
    L.append("\n![calls](img/bindings-calls.png)\n")
    L.append("## Copies, allocations and waits per iteration (from `phaseforge.stats()`)\n")
    n0 = res.get("counters_n", 2048 if 2048 in by_n else rows[-1]["n"])
    L.append(f"At N = {n0}:\n")
    L.append("| mode | " + " | ".join(COUNTER_KEYS) + " |")
    L.append("|---|" + "---|" * len(COUNTER_KEYS))
    modes = [("one call", by_n[n0]["one_call"].get("counters")),
             ("per iteration, `iterate(metrics=False)`", by_n[n0]["per_iteration"]["counters"]),
             ("per iteration, `iterate()` (metrics)", by_n[n0]["per_iteration"].get("metrics_counters")),
             ("per kernel", by_n[n0]["per_kernel"]["counters"])]
    for label, c in modes:
        if c:
            L.append(f"| {label} | " + " | ".join(f"{c[x]:.2f}" for x in COUNTER_KEYS) + " |")
    L.append("\nThe counters are counted on the host, at each call that copies, allocates, launches or "
             "waits, so they are exact. One call: the difference between two run lengths, per extra "
             "iteration. Per iteration and per kernel: a loop divided by its length; its one wait at "
             "the end shows as 1/length synchronisations. `iterate(metrics=False)` makes no metrics "
             "record: a loop of it is one graph launch per call and nothing else. `iterate()` records "
             "at the end of every call (engine.h), one asynchronous 32-byte copy into pinned memory; "
             "`iterate(metrics=\"interval\")` records only every `metrics_every` iterations. "
             "`reconstruct` records once per batch of the driver. No mode allocates or copies the "
             "state inside the loop.\n")
    L.append(f"## Device memory at N = {mem['n']}\n")
    est = mem["estimate"]
    L.append("| mode | measured (cudaMemGetInfo delta) |")
    L.append("|---|---|")
    L.append(f"| one call: peak during `reconstruct()` | {mem['one_call_peak'] / 2**20:.1f} MiB |")
    L.append(f"| one call: after it returns | {mem['one_call_after'] / 2**20:.1f} MiB |")
    L.append(f"| per iteration: a live `Reconstructor` | {mem['per_iteration'] / 2**20:.1f} MiB |")
    L.append(f"| per kernel: g, g', spectrum, weights, plan | {mem['per_kernel'] / 2**20:.1f} MiB |")
    L.append(f"| engine's own estimate (`CudaEngine::estimateFootprint`) | {est['total'] / 2**20:.1f} MiB "
             f"(state {est['state'] / 2**20:.1f}, weights {est['weights'] / 2**20:.1f}, "
             f"cuFFT work {est['fft_work'] / 2**20:.1f}, other {est['other'] / 2**20:.2f}) |")
    L.append("\nThe driver hands out memory in 2 MiB pages, so small deltas round up.\n")
    L.append("## Who owns each buffer\n")
    L.append("""```
one call      Python ──reconstruct()──▶ C++ engine (CudaEngine)
                 numpy in (copied once)      owns g, g', spectrum, support, weights, cuFFT work
                                             allocated at load, freed before the call returns
              ◀── Result: object and support are numpy arrays that took over the C++
                  result's memory (no copy); history and parameters are copied

per iteration Reconstructor (Python object) ──owns──▶ engine ──owns──▶ device buffers
                 .object          → numpy host copy (Python owns it)
                 .device_object   → DeviceArray view of g, read-only, no copy;
                                    holds a reference to the Reconstructor, so the
                                    engine and its buffers live as long as the view

per kernel    Python owns every buffer:
                 DeviceArray(...)          owns its cudaMalloc, freed when the last reference goes
                 DeviceArray.wrap(cupy/torch array) views it, holds a reference to the array
                 cupy.asarray(d) / torch.from_dlpack(d) view d and hold a reference to it
                 FftPlan owns its cuFFT plans and work area; Weights its device weights
              host <-> device only through from_host / copy_from_host / to_host
```
""")
    row2048 = by_n.get(2048, rows[-1])
    within = [r["n"] for r in rows if abs(r["one_call"]["diff"]) <= 0.02]
    pi = row2048["per_iteration"]["diff"]
    L.append("## Targets\n")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")
    L.append("| one call within 2 % of native C++ at every N | " +
             ", ".join(f"{r['n']}: {pct_range(r['one_call'])}" for r in rows) + " | " +
             ("yes (median of the pairs)" if len(within) == len(rows) else
              "no" if not within else
              f"at N = {', '.join(map(str, within))}; not at the others") + " |")
    L.append(f"| per iteration within 5 % of native at 2048² | {pct_range(row2048['per_iteration'])} "
             f"(`metrics=False`) | {'yes' if abs(pi) <= 0.05 else 'no'} |")
    L.append(f"| per kernel ≤ 1.5 µs overhead on top of the launch | {o['overhead_us']:.2f} µs | "
             f"{'yes' if o['overhead_us'] <= 1.5 else 'no'} |")
    c = {label: counters for label, counters in modes}
    quiet = c["per iteration, `iterate(metrics=False)`"]
    kern = c["per kernel"]
    moved = lambda d: d["host_to_device_copies"] + d["device_to_host_copies"]  # noqa: E731
    zero = moved(quiet) == 0 and quiet["allocations"] == 0 and moved(kern) == 0 and kern["allocations"] == 0
    one = c["one call"]
    L.append("| zero host↔device copies and allocations per iteration | per iteration "
             f"(`metrics=False`): {moved(quiet):.0f} copies, {quiet['allocations']:.0f} allocations; "
             f"per kernel: {moved(kern):.0f} copies, {kern['allocations']:.0f} allocations"
             + (f"; one call: {one['device_to_host_copies']:.3f} metrics copies per iteration "
                f"(one per driver batch), {one['allocations']:.0f} allocations" if one else "")
             + f" | {'yes' if zero else 'no'} |")
    if res.get("left_out"):
        L.append(f"\nN = {', '.join(map(str, res['left_out']))} were left out of this run: the "
                 "device time budget ran out first (`--deadline`).\n")
    L.append("\n## Conclusions\n")
    L.extend(res["conclusions"])
    with open(os.path.join(out_dir, "bindings-report.md"), "w") as f:
        f.write("\n".join(L) + "\n")


def conclusions(res):
    """The report's closing claims, each decided by the numbers in `res`: a claim
    the data do not bear out is stated the other way round or left out."""
    rows = res["sizes"]
    o = res["overhead"]
    small, big = rows[0], rows[-1]
    worst_one = max(rows, key=lambda r: abs(r["one_call"]["diff"]))
    out = []
    # One call: the paired difference against C++, and whether it lies inside
    # the run-to-run spread of the calls themselves.
    inside = [r["n"] for r in rows
              if abs(r["one_call"]["diff"]) <= max(r["one_call"].get("spread", 0),
                                                   r["one_call"].get("native_spread", 0))]
    claim = ("- **`reconstruct()` for a whole run.** The binding adds one copy of the input; the "
             "result's arrays move into numpy without a copy, and the GIL is released while it runs "
             "(tests/python/test_threads.py). The median paired difference from C++ is at most "
             f"{100 * abs(worst_one['one_call']['diff']):.1f} % (N = {worst_one['n']})")
    if len(inside) == len(rows):
        claim += "; at every N it is smaller than the run-to-run spread of the calls."
    elif inside:
        claim += (f"; it is smaller than the run-to-run spread of the calls at N = "
                  f"{', '.join(map(str, inside))} only.")
    else:
        claim += "; it exceeds the run-to-run spread of the calls at every N."
    out.append(claim)

    pi_small = small["per_iteration"]
    worst_pi = max(abs(r["per_iteration"]["diff"]) for r in rows)
    claim = ("- **`Reconstructor` to steer a run** (β, the rule, metrics, a look at the object "
             "between calls). A Python loop of `iterate()` without metrics differs from the same C++ "
             f"loop by at most {100 * worst_pi:.1f} % (median of the pairs) over N = "
             f"{rows[0]['n']}…{rows[-1]['n']}.")
    engine_small = small.get("engine_us")
    if engine_small and pi_small.get("metrics_us") is not None:
        claim += (f" At N = {small['n']} `iterate()` takes {pi_small['us']:.1f} µs without and "
                  f"{pi_small['metrics_us']:.1f} µs with the record, against {engine_small:.1f} µs "
                  "per iteration inside `iterate(n)`")
        slower = [r["n"] for r in rows
                  if r.get("engine_us") and r["per_iteration"]["us"] > 1.1 * r["engine_us"]]
        claim += (f": single steps cost more than 10 % over `iterate(n)` at N = "
                  f"{', '.join(map(str, slower))}, so step in batches there." if slower else
                  ": single steps cost within 10 % of `iterate(n)` at every N.")
    out.append(claim)

    pk_small = small["per_kernel"]["diff"]
    hidden = [r["n"] for r in rows if abs(r["per_kernel"]["diff"]) <= 0.01]
    claim = (f"- **`kernels` to change the algorithm in Python.** A call adds {o['overhead_us']:.2f} µs "
             f"to a launch that costs {o['native_launch_us']:.2f} µs from C++ "
             f"({o['empty_us'] * 1e3:.0f} ns dispatch, {o['convert_us'] * 1e3:.0f} ns argument "
             f"conversion); at N = {small['n']} the per-kernel loop costs {100 * pk_small:+.0f} % over "
             "the same calls from C++")
    claim += (f", within 1 % at N = {', '.join(map(str, hidden))}." if hidden else ".")
    faster = [r["n"] for r in rows if r.get("engine_us") and r["engine_us"] < r["per_kernel"]["us"]]
    if faster and len(faster) == len([r for r in rows if r.get("engine_us")]):
        claim += " The engine's fused iteration is faster than the per-kernel loop at every N measured."
    elif faster:
        claim += (f" The engine's fused iteration is faster than the per-kernel loop at N = "
                  f"{', '.join(map(str, faster))}, not at the others.")
    # Against the peers: the strongest peer at the largest N, whichever it is.
    peers = {k: v for k, v in big.get("peers", {}).items() if v}
    if peers:
        best = min(peers, key=peers.get)
        ratio = peers[best] / big["per_kernel"]["us"]
        claim += (f" At N = {big['n']} the per-kernel loop takes {big['per_kernel']['us']:.0f} µs "
                  f"against {peers[best]:.0f} µs for the fastest peer measured ({best}): " +
                  (f"the per-kernel loop is {ratio:.2f}× as fast." if ratio >= 1 else
                     f"the peer is {1 / ratio:.2f}× as fast."))
    out.append(claim)
    if o.get("cupy_arg_call_us"):
        out.append(f"- **Wrap CuPy/PyTorch arrays once** with `DeviceArray.wrap` before a loop: passing a "
                   f"CuPy array parses `__cuda_array_interface__` on every call ({o['cupy_arg_call_us']:.1f} µs "
                   f"per call against {o['kernel_call_us']:.1f} µs with DeviceArrays).")
    # Copies and allocations inside the loops, from the counters of counters_n.
    by_n = {r["n"]: r for r in rows}
    n0 = res.get("counters_n", rows[-1]["n"])
    if n0 in by_n:
        loops = [by_n[n0]["per_iteration"].get("counters"), by_n[n0]["per_kernel"].get("counters")]
        loops = [c for c in loops if c]
        moved = sum(c["host_to_device_copies"] + c["device_to_host_copies"] + c["allocations"]
                    for c in loops)
        if loops and moved == 0:
            out.append(f"- At N = {n0} the counters show no host↔device copy and no allocation inside "
                       "the per-iteration (`metrics=False`) and per-kernel loops.")
        elif loops:
            out.append(f"- At N = {n0} the per-iteration and per-kernel loops make {moved:.2f} host↔device "
                       "copies and allocations per iteration (counters above).")
    return out
