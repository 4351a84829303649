#!/usr/bin/env python3
"""Times the peers of the CUDA engine's GS loop on the same GPU, in the same
run as pf_bench_gpu, interleaved with repeated runs of ours, and writes the
combined table (markdown + JSON).

Peers, each the seed's GS loop A = M·exp(iφ); B = Re(IFFT(A)); B[B<0] = 0;
C = FFT(B); A = M·exp(i·arg C), float32, as a skilled user writes it:
  * CuPy + graph (the strongest we could write): R2C/C2R cuFFT plans made once
    (cupyx.scipy.fft.get_fft_plan) writing into preallocated arrays, in-place
    positivity, one fused ElementwiseKernel projection with Msym/(rows·cols),
    the loop body captured into a CUDA graph (stream capture) and replayed;
  * PyTorch + graph: rfft2/irfft2 with the loop body captured in a CUDA graph
    (torch.cuda.CUDAGraph);
  * CuPy tuned: the CuPy loop with rfft2/irfft2 and the fused projection, no graph;
  * CuPy naive: full complex fft2/ifft2, numpy-style expressions (round 1 only).
Each peer's first step is checked against a float64 numpy step (relative L2
<= 1e-4) before it is timed.

Rounds: round r runs pf_bench_gpu --default-only (our default path and the
bare cuFFT pair, a fresh process) and then every peer, for all sizes; the
tables give the median over the rounds and the spread (max − min) / median.
Ratios are quoted against the strongest peer at each size (the lowest median).

  peers.py --ours ours.json --bench pf_bench_gpu --rounds 3 --out bench/results/gpu-engine \
           [--commit SHA] [--command TEXT]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

TARGETS = {256: 5, 512: 6, 1024: 10, 2048: 25, 4096: 110, 8192: 420}
# The best opt-in path measured before the default changed (H200, commit
# bddd558): min(stage 1, two-pass) µs per GS iteration. The gate: the default
# path at least this fast, and >= 1.5x faster than the best peer.
PRIOR_BEST = {256: 8.25, 512: 9.01, 1024: 16.0, 2048: 51.1, 4096: 254, 8192: 1217}
GATE_VS_PEER = 1.5
ITERATIONS = {256: 400, 512: 400, 1024: 200, 2048: 60, 4096: 20, 8192: 8}
BATCHES = 7
PER_GRAPH = 10


def problem(n, seed=1):
    rng = np.random.default_rng(seed)
    m = rng.exponential(1.0, (n, n)).astype(np.float32)
    phi = rng.uniform(-np.pi, np.pi, (n, n)).astype(np.float32)
    return m, phi


def msym_half(m):
    """(M(k) + M(-k)) / 2 on the half spectrum: exact for a real iterate."""
    neg = np.roll(np.flip(m, (0, 1)), (1, 1), (0, 1))
    return ((m + neg) / 2)[:, : m.shape[1] // 2 + 1].astype(np.float32)


def start_spectrum(m, phi):
    n = m.shape[1]
    return np.fft.rfft2(np.fft.irfft2((m * np.exp(1j * phi)).astype(np.complex64)[:, : n // 2 + 1],
                                      s=m.shape)).astype(np.complex64)


def reference_step(A, m):
    """One GS step in float64 on the half spectrum (Msym form)."""
    g = np.fft.irfft2(A.astype(np.complex128), s=m.shape)
    g[g < 0] = 0
    G = np.fft.rfft2(g)
    ms = msym_half(m).astype(np.float64)
    mag = np.abs(G)
    return np.where(mag > 0, G * (ms / np.where(mag > 0, mag, 1)), ms)


def check_step(name, got, A0, m):
    want = reference_step(A0, m)
    err = float(np.linalg.norm(got - want) / np.linalg.norm(want))
    if not err <= 1e-4:
        raise RuntimeError(f"{name}: one step differs from float64 by {err:.2e}")


def median_us(run_batch, iterations, record, elapsed):
    run_batch(max(PER_GRAPH, iterations // 4))  # warm-up: plans, graphs, clocks
    times = []
    for _ in range(BATCHES):
        start = record()
        run_batch(iterations)
        stop = record()
        times.append(1000.0 * elapsed(start, stop) / iterations)
    return float(np.median(times))


def cupy_timers(cp):
    def record():
        e = cp.cuda.Event()
        e.record()
        return e

    def elapsed(a, b):
        b.synchronize()
        return cp.cuda.get_elapsed_time(a, b)

    return record, elapsed


def time_cupy_naive(cp, n):
    m, phi = problem(n)
    M = cp.asarray(m)
    state = {"A": M * cp.exp(1j * cp.asarray(phi)).astype(cp.complex64)}

    def run(k):
        A = state["A"]
        for _ in range(k):
            B = cp.fft.ifft2(A).real
            B[B < 0] = 0
            C = cp.fft.fft2(B)
            A = M * cp.exp(1j * cp.angle(C))
        state["A"] = A.astype(cp.complex64, copy=False)

    us = median_us(run, ITERATIONS[n], *cupy_timers(cp))
    assert bool(cp.isfinite(state["A"]).all()), "CuPy naive diverged"
    return us


def cupy_projection(cp):
    return cp.ElementwiseKernel(
        "complex64 G, float32 m", "complex64 A",
        "float mag = abs(G); A = mag > 0.0f ? G * (m / mag) : complex<float>(m, 0.0f);",
        "pf_project")


def time_cupy_tuned(cp, n):
    m, phi = problem(n)
    shape = (n, n)
    Ms = cp.asarray(msym_half(m))
    state = {"A": cp.asarray(start_spectrum(m, phi))}
    project = cupy_projection(cp)

    def run(k):
        A = state["A"]
        for _ in range(k):
            g = cp.fft.irfft2(A, s=shape)
            cp.maximum(g, 0, out=g)
            G = cp.fft.rfft2(g)
            project(G, Ms, A)
        state["A"] = A

    us = median_us(run, ITERATIONS[n], *cupy_timers(cp))
    assert bool(cp.isfinite(state["A"]).all()), "CuPy tuned diverged"
    return us


def time_cupy_graph(cp, n):
    """The fused R2C loop with preallocated buffers and cuFFT plans made once,
    captured into a CUDA graph of PER_GRAPH iterations."""
    import cupyx.scipy.fftpack as cufft_api
    from cupy.cuda import cufft

    m, phi = problem(n)
    shape = (n, n)
    scale = np.float32(1.0 / (n * n))
    A0 = start_spectrum(m, phi)
    # The unnormalised C2R's 1/(rows·cols) folded into the weights, as ours:
    # A holds the spectrum times 1/(rows·cols).
    A = cp.asarray(A0 * scale)
    g = cp.empty(shape, cp.float32)
    G = cp.empty_like(A)
    Ms = cp.asarray(msym_half(m) * scale)
    project = cupy_projection(cp)
    # The arrays above were written on the default stream; the capture stream
    # does not wait for it (non-blocking), so wait here once.
    cp.cuda.Device().synchronize()
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        c2r = cufft_api.get_fft_plan(A, shape=shape, axes=(0, 1), value_type="C2R")
        r2c = cufft_api.get_fft_plan(g, axes=(0, 1), value_type="R2C")

        def body():
            # C2R may overwrite A: the projection writes all of it again.
            c2r.fft(A, g, cufft.CUFFT_INVERSE)
            cp.maximum(g, 0, out=g)
            r2c.fft(g, G, cufft.CUFFT_FORWARD)
            project(G, Ms, A)

        body()  # the check: one step from A0 against float64
        stream.synchronize()
        check_step("CuPy + graph", cp.asnumpy(A) / scale, A0, m)
        for _ in range(2):
            body()
        stream.synchronize()
        stream.begin_capture()
        for _ in range(PER_GRAPH):
            body()
        graph = stream.end_capture()

        def run(k):
            for _ in range(max(1, k // PER_GRAPH)):
                graph.launch(stream)

        def record():
            e = cp.cuda.Event()
            e.record(stream)
            return e

        def elapsed(a, b):
            b.synchronize()
            return cp.cuda.get_elapsed_time(a, b)

        iterations = max(PER_GRAPH, ITERATIONS[n] // PER_GRAPH * PER_GRAPH)
        us = median_us(run, iterations, record, elapsed)
        stream.synchronize()
    assert bool(cp.isfinite(A).all()), "CuPy + graph diverged"
    return us


def time_torch_graph(torch, n):
    m, phi = problem(n)
    shape = (n, n)
    dev = torch.device("cuda")
    Ms = torch.from_numpy(msym_half(m)).to(dev)
    A0 = start_spectrum(m, phi)
    A = torch.from_numpy(A0).to(dev)

    def body():
        g = torch.fft.irfft2(A, s=shape)
        g.clamp_(min=0)
        G = torch.fft.rfft2(g)
        mag = G.abs()
        A.copy_(torch.where(mag > 0, G * (Ms / mag), Ms.to(G.dtype)))

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        body()
        side.synchronize()
        check_step("PyTorch + graph", A.cpu().numpy(), A0, m)
        for _ in range(2):
            body()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(PER_GRAPH):
            body()

    def run(k):
        for _ in range(max(1, k // PER_GRAPH)):
            graph.replay()

    def record():
        e = torch.cuda.Event(enable_timing=True)
        e.record()
        return e

    def elapsed(a, b):
        b.synchronize()
        return a.elapsed_time(b)

    iterations = max(PER_GRAPH, ITERATIONS[n] // PER_GRAPH * PER_GRAPH)
    us = median_us(run, iterations, record, elapsed)
    assert bool(torch.isfinite(torch.view_as_real(A)).all()), "PyTorch loop diverged"
    return us


def gpu_and_driver():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, check=True).stdout.strip()
        name, driver = [s.strip() for s in out.splitlines()[0].split(",")]
        return name, driver
    except Exception as e:  # noqa: BLE001 - a table without the driver is still useful
        return "unknown", f"unknown ({e})"


def fmt(x):
    return "—" if x is None else (f"{x:.1f}" if x >= 10 else f"{x:.2f}")


def summary(values):
    """Median and spread (max − min) / median of one column's rounds."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    med = float(np.median(values))
    return med, (max(values) - min(values)) / med if med > 0 else None


def fmt_spread(med, spread):
    if med is None:
        return "—"
    return f"{fmt(med)} ±{100 * spread / 2:.0f}%" if spread is not None else fmt(med)


def guarded(name, f, *args):
    try:
        return f(*args)
    except Exception as e:  # noqa: BLE001 - one failing peer must not hide the others
        print(f"peers.py: {name} failed: {e}", file=sys.stderr, flush=True)
        return None


def ours_round(bench, sizes):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "ours.json")
        subprocess.run([bench, "--default-only", "--batches", str(BATCHES), "--sizes",
                        ",".join(str(n) for n in sizes), "--json", path], check=True)
        with open(path) as f:
            return {e["n"]: e for e in json.load(f)["single"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True, help="JSON of the full pf_bench_gpu run (all paths)")
    ap.add_argument("--bench", help="pf_bench_gpu, run once per round (--default-only)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", required=True, help="output path without extension (.md and .json are written)")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--command", default="tools/gpu-check run")
    ap.add_argument("--skip-naive-above", type=int, default=2048)
    args = ap.parse_args()

    with open(args.ours) as f:
        ours = json.load(f)
    import cupy as cp
    import torch

    gpu, driver = gpu_and_driver()
    full = {e["n"]: e for e in ours["single"]}
    sizes = sorted(full)
    rounds = {n: {"default": [], "pair": [], "cupy_graph": [], "torch_graph": [], "cupy_tuned": [],
                  "cupy_naive": []} for n in sizes}
    for r in range(args.rounds):
        if args.bench:
            mine = ours_round(args.bench, sizes)
        else:
            mine = full if r == 0 else {}
        for n in sizes:
            row = rounds[n]
            if n in mine:
                row["default"].append(mine[n]["engine_us"])
                row["pair"].append(mine[n]["bare_cufft_pair_us"])
            row["cupy_graph"].append(guarded("CuPy + graph", time_cupy_graph, cp, n))
            cp.get_default_memory_pool().free_all_blocks()
            row["torch_graph"].append(guarded("PyTorch + graph", time_torch_graph, torch, n))
            torch.cuda.empty_cache()
            row["cupy_tuned"].append(guarded("CuPy tuned", time_cupy_tuned, cp, n))
            cp.get_default_memory_pool().free_all_blocks()
            if r == 0 and n <= args.skip_naive_above:
                row["cupy_naive"].append(guarded("CuPy naive", time_cupy_naive, cp, n))
                cp.get_default_memory_pool().free_all_blocks()
            print(f"round {r + 1} N={n}: ours {row['default'][-1:]} CuPy+graph {row['cupy_graph'][-1]} "
                  f"PyTorch+graph {row['torch_graph'][-1]} CuPy tuned {row['cupy_tuned'][-1]}",
                  file=sys.stderr, flush=True)

    rows = []
    for n in sizes:
        e, rr = full[n], rounds[n]
        row = {"n": n, "default_path": e.get("engine_default_path"),
               "stage1_us": e.get("engine_stage1_us", e.get("engine_us")), "two_pass_us": e.get("engine_two_pass_us"),
               "two_pass_per_pass_us": e.get("engine_two_pass_per_pass_us"),
               "footprint_bytes": e.get("footprint_bytes"), "rounds": rr}
        for key in ("default", "pair", "cupy_graph", "torch_graph", "cupy_tuned", "cupy_naive"):
            row[key + "_us"], row[key + "_spread"] = summary(rr[key])
        peers = {k: row[k + "_us"] for k in ("cupy_graph", "torch_graph", "cupy_tuned", "cupy_naive")
                 if row[k + "_us"] is not None}
        row["best_peer"] = min(peers, key=peers.get) if peers else None
        row["best_peer_us"] = peers[row["best_peer"]] if peers else None
        d = row["default_us"]
        row["speedup_vs_best_peer"] = row["best_peer_us"] / d if d and row["best_peer_us"] else None
        # The least favourable pairing of the rounds: our slowest against the peer's fastest.
        if d and row["best_peer"]:
            best_rounds = [v for v in rr[row["best_peer"]] if v is not None]
            row["speedup_worst_round"] = min(best_rounds) / max(rr["default"])
        else:
            row["speedup_worst_round"] = None
        row["prior_best_us"] = PRIOR_BEST.get(n)
        row["target_us"] = TARGETS.get(n)
        row["gate_prior"] = d is not None and row["prior_best_us"] is not None and d <= row["prior_best_us"]
        row["gate_peer"] = row["speedup_vs_best_peer"] is not None and row["speedup_vs_best_peer"] >= GATE_VS_PEER
        rows.append(row)

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    result = {"gpu": gpu, "driver": driver, "date": date, "commit": args.commit, "command": args.command,
              "cupy": cp.__version__, "torch": torch.__version__, "rounds": args.rounds, "single": rows,
              "multistart": ours["multistart"]}
    names = {"cupy_graph": "CuPy + graph", "torch_graph": "PyTorch + graph", "cupy_tuned": "CuPy tuned",
             "cupy_naive": "CuPy naive"}
    lines = [
        "# CUDA engine benchmark: µs per GS iteration, single start",
        "",
        f"- GPU: {gpu}, driver {driver}",
        f"- Date: {date}; commit `{args.commit}`; CuPy {cp.__version__}, PyTorch {torch.__version__}",
        f"- Command: `{args.command}`",
        f"- Rounds: {args.rounds}, interleaved: each round runs our default path (pf_bench_gpu "
        "--default-only, a fresh process) and then every peer, for every size. Each cell of the first "
        f"table is the median of the rounds ± half the spread (max − min) / median; each round's value "
        f"is itself the median of {BATCHES} timed batches after a warm-up (CUDA events).",
        "- Ours: the default path as the engine picks it for the shape (two-pass for every "
        "power-of-two size, its column pass split in three steps at 4096 and 8192 rows), a CUDA graph per batch or one persistent launch, metrics once per batch. "
        "Stage 1, two-pass and two-pass per-pass are the overrides, from the full run before the rounds.",
        "- Peers (bench/gpu/peers.py), each checked against one float64 step first: *CuPy + graph*: "
        "cuFFT plans made once writing into preallocated arrays, in-place positivity, one fused "
        "projection kernel, the loop body captured into a CUDA graph; *PyTorch + graph*: "
        "rfft2/irfft2 captured in a CUDA graph; *CuPy tuned*: the same loop without a graph; "
        "*CuPy naive*: full complex transforms (round 1 only, up to 2048²). torch.compile was not "
        "run: its compilation per size does not fit the device time of a run.",
        f"- Gate: default ≤ the best opt-in path measured before (commit `bddd558`), and ≥ {GATE_VS_PEER}× "
        "faster than the best peer (medians).",
        "",
        "| N | ours: default | path | best opt-in before | CuPy + graph | PyTorch + graph | CuPy tuned "
        "| CuPy naive | best peer | default vs best peer (median; worst round) | gate: ≤ before | "
        f"gate: ≥ {GATE_VS_PEER}× peer | bare cuFFT pair | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        sp = ("—" if r["speedup_vs_best_peer"] is None else
              f"{r['speedup_vs_best_peer']:.2f}×; {r['speedup_worst_round']:.2f}×")
        lines.append(
            f"| {r['n']} | {fmt_spread(r['default_us'], r['default_spread'])} | {r['default_path']} | "
            f"{fmt(r['prior_best_us'])} | {fmt_spread(r['cupy_graph_us'], r['cupy_graph_spread'])} | "
            f"{fmt_spread(r['torch_graph_us'], r['torch_graph_spread'])} | "
            f"{fmt_spread(r['cupy_tuned_us'], r['cupy_tuned_spread'])} | {fmt(r['cupy_naive_us'])} | "
            f"{names.get(r['best_peer'], '—')} | {sp} | {'yes' if r['gate_prior'] else 'no'} | "
            f"{'yes' if r['gate_peer'] else 'no'} | {fmt_spread(r['pair_us'], r['pair_spread'])} | "
            f"≤ {r['target_us']} |")
    lines += ["", "## Our paths (full run before the rounds)", "",
              "| N | default | stage 1 | two-pass | two-pass per-pass | bare pair (full run) |",
              "|---|---|---|---|---|---|"]
    for r in rows:
        e = full[r["n"]]
        lines.append(f"| {r['n']} | {fmt(e.get('engine_us'))} | {fmt(r['stage1_us'])} | "
                     f"{fmt(r['two_pass_us'])} | {fmt(r['two_pass_per_pass_us'])} | "
                     f"{fmt(e.get('bare_cufft_pair_us'))} |")
    lines += ["", "## Multi-start throughput, N = 512 (GS)", "",
              "| starts K | µs per iteration of all starts: default | stage 1 | two-pass | two-pass per-pass "
              "| start·iterations / s (default) | vs K = 1 (default) |",
              "|---|---|---|---|---|---|---|"]
    base = ours["multistart"][0].get("default_start_iterations_per_s") if ours["multistart"] else None
    for r in ours["multistart"]:
        rate = r.get("default_start_iterations_per_s")
        lines.append(f"| {r['starts']} | {fmt(r.get('default_us_per_iteration'))} | "
                     f"{fmt(r.get('stage1_us_per_iteration'))} | {fmt(r.get('two_pass_us_per_iteration'))} | "
                     f"{fmt(r.get('two_pass_per_pass_us_per_iteration'))} | "
                     f"{'—' if rate is None else f'{rate:.0f}'} | "
                     f"{'—' if not rate or not base else f'{rate / base:.1f}×'} |")
    lines.append("")
    for path, text in ((args.out + ".md", "\n".join(lines)), (args.out + ".json", json.dumps(result, indent=2))):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, path)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
