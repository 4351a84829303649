#!/usr/bin/env python3
"""Generates docs/bindings-report.md: what the Python bindings cost, and who
owns GPU memory, measured on the device in one run.

  make_report.py --out DIR [--engine-json ours.json] [--commit SHA] [--sizes 256,...]

Writes DIR/bindings-report.md, DIR/bindings-*.png and DIR/bindings-results.json.
Times, all in this process on the same GPU:
  * one call      the whole phaseforge.reconstruct call, beside pf::reconstruct
                  timed inside C++ on the same problem (engine creation, load,
                  iterations, result);
  * per iteration Reconstructor.iterate() in a Python loop, without and with the
                  metrics record, beside the same engine calls in a C++ loop;
  * per kernel    the four kernels.* calls per iteration in Python, beside the
                  same four calls in a C++ loop (same buffers, plans, stream);
  * peers         the tuned CuPy loop and the PyTorch CUDA-graph loop of
                  bench/gpu/peers.py, and the engine's own benchmark (pf_bench_gpu).
Python and C++ are timed in interleaved pairs whose order alternates
(P C, C P, P C, ...), so that slow drift of the machine (clocks, other load)
falls on both alike; the report gives the median of the paired differences and
their range. Host clocks around a batch followed by a device wait.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import threading
import time
import timeit

import numpy as np

import phaseforge as pf
from phaseforge import kernels as k
from phaseforge._phaseforge import _bench

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gpu"))

ITERS = {256: 400, 512: 300, 1024: 200, 2048: 100, 4096: 30, 8192: 10}
# Interleaved Python/C++ pairs of whole reconstruct() calls per N. A call at
# 8192² is ~6 s of host-side load, so the count falls with N to fit the device
# budget; the spread that remains is reported beside the median.
ONE_CALL_PAIRS = {256: 21, 512: 21, 1024: 15, 2048: 9, 4096: 5, 8192: 3}
BATCH_PAIRS = 7
T0 = time.perf_counter()


def log(*args):
    print(f"[{time.perf_counter() - T0:7.1f} s]", *args, flush=True)


def magnitude(n, seed=1):
    return np.random.default_rng(seed).exponential(1.0, (n, n)).astype(np.float32)


def paired(run_py, run_c, pairs, warm=True):
    """Seconds of `pairs` interleaved runs of each, the order alternating from
    pair to pair. A run that returns a float reports its own seconds (a timer
    inside C++); otherwise it is timed here."""
    def timed(run):
        t0 = time.perf_counter()
        inner = run()
        return inner if isinstance(inner, float) else time.perf_counter() - t0

    if warm:
        run_py()
        run_c()
    py, nat = [], []
    for i in range(pairs):
        if i % 2 == 0:
            py.append(timed(run_py))
            nat.append(timed(run_c))
        else:
            nat.append(timed(run_c))
            py.append(timed(run_py))
    return np.array(py), np.array(nat)


def compare(py, nat):
    """The median of the paired relative differences (Python / C++ - 1) and
    their range, and each side's own spread ((max - min) / median)."""
    d = py / nat - 1
    return {"diff": float(np.median(d)), "diff_min": float(d.min()), "diff_max": float(d.max()),
            "pairs": int(len(d)),
            "spread": float((py.max() - py.min()) / np.median(py)),
            "native_spread": float((nat.max() - nat.min()) / np.median(nat))}


def stats_delta(run):
    pf.synchronize()
    before = pf.stats()
    run()
    after = pf.stats()
    pf.synchronize()
    return {key: after[key] - before[key] for key in after}


# --- the three granularities ------------------------------------------------------

def one_call(m, n_iter, counters=False):
    """Whole calls: the Python call as a user pays for it (wall clock around
    phaseforge.reconstruct, conversions included) against pf::reconstruct timed
    inside C++ (engine creation to result), in alternating interleaved pairs."""
    pairs = ONE_CALL_PAIRS.get(m.shape[0], 5)

    def run_py(K):
        pf.reconstruct(m, iterations=K, seed=1, engine="cuda", metrics_every=K)

    def run_c(K):
        return _bench.native_reconstruct(m, K, "cuda", K)

    py, nat = paired(lambda: run_py(n_iter), lambda: run_c(n_iter), pairs)
    out = {"call_s": float(np.median(py)), "native_call_s": float(np.median(nat)),
           "calls_s": py.tolist(), "native_calls_s": nat.tolist(), "iterations": n_iter}
    out.update(compare(py, nat))
    if counters:
        short = max(2, n_iter // 5)
        a = stats_delta(lambda: run_py(short))
        b = stats_delta(lambda: run_py(n_iter))
        out["counters"] = {key: (b[key] - a[key]) / (n_iter - short) for key in a}
    return out


def per_iteration(m, n_iter):
    """A Python loop of iterate() against the same calls from a C++ loop on the
    same engine: without the metrics record (metrics=False), then with it."""
    r = pf.Reconstructor(m, algorithm="GS", seed=1, engine="cuda", metrics_every=10**9)
    out = {}
    for prefix, metrics in (("", False), ("metrics_", True)):
        def loop():
            for _ in range(n_iter):
                r.iterate(metrics=metrics)
            r.finish()

        def native():
            return r._native_loop(n_iter, metrics=metrics)

        py, nat = paired(loop, native, BATCH_PAIRS)
        d = stats_delta(loop)
        c = compare(py, nat)
        out.update({prefix + "us": 1e6 * float(np.median(py)) / n_iter,
                    prefix + "native_us": 1e6 * float(np.median(nat)) / n_iter,
                    prefix + "diff": c["diff"], prefix + "diff_min": c["diff_min"],
                    prefix + "diff_max": c["diff_max"],
                    prefix + "counters": {key: v / n_iter for key, v in d.items()}})
        r.metrics()  # collect the records the loops made
    return out


def kernel_buffers(n):
    m = magnitude(n)
    plan = k.FftPlan((n, n), device="cuda")
    w = k.Weights(m, device="cuda")
    rng = np.random.default_rng(2)
    g = pf.DeviceArray.from_host(rng.random((n, n)).astype(np.float32))
    g_out = pf.DeviceArray.from_host(rng.random((n, n)).astype(np.float32))
    G = pf.DeviceArray((n, n // 2 + 1), "complex64")
    return plan, w, g, g_out, G


def per_kernel(n, n_iter):
    plan, w, g, g_out, G = kernel_buffers(n)
    project_object, fft2, project_magnitude, ifft2 = (
        k.project_object, k.fft2, k.project_magnitude, k.ifft2)

    def loop():
        for _ in range(n_iter):
            project_object(g, g_out, g)
            fft2(g, G, plan=plan)
            project_magnitude(G, w)
            ifft2(G, g_out, plan=plan)
        pf.synchronize()

    def native():
        _bench.native_kernel_loop(g, g_out, G, plan, w, n_iter)  # timed here, like loop()

    py, nat = paired(loop, native, BATCH_PAIRS)
    d = stats_delta(loop)
    c = compare(py, nat)
    return {"us": 1e6 * float(np.median(py)) / n_iter, "native_us": 1e6 * float(np.median(nat)) / n_iter,
            "diff": c["diff"], "diff_min": c["diff_min"], "diff_max": c["diff_max"],
            "counters": {key: v / n_iter for key, v in d.items()}}


def peers(n):
    out = {}
    try:
        import peers as p
        import cupy as cp
        out["cupy"] = p.time_cupy_tuned(cp, n)
        cp.get_default_memory_pool().free_all_blocks()
    except Exception as e:  # noqa: BLE001 - a missing peer leaves a gap, not a crash
        out["cupy_error"] = str(e)
    try:
        import peers as p
        import torch
        out["torch"] = p.time_torch_graph(torch, n)
        torch.cuda.empty_cache()
    except Exception as e:  # noqa: BLE001
        out["torch_error"] = str(e)
    return out


# --- overhead per call ---------------------------------------------------------------

def overhead():
    # Few calls per timing, a device wait before each, the best of many: the
    # launch queue never fills, so host time is measured, not the GPU's.
    n, reps = 32, 400
    plan, w, g, g_out, G = kernel_buffers(n)

    def per_call(stmt, env):
        t = min(timeit.repeat(stmt, setup="pf.synchronize()", globals=env, number=reps, repeat=30))
        return 1e6 * t / reps

    env = {"pf": pf, "b": _bench, "k": k, "g": g, "o": g_out, "G": G, "plan": plan, "w": w}
    pf.synchronize()
    empty = per_call("b.noop()", env)
    trivial = per_call("b.noop_args(g, o, g)", env)
    convert = per_call("b.convert(g, o, g)", env)
    kernel = per_call("k.project_object(g, o, g)", env)
    pf.synchronize()
    native_runs = []
    for _ in range(30):
        pf.synchronize()
        native_runs.append(_bench.native_launches(g, g_out, g, reps))
    native = min(native_runs) * 1e6 / reps
    pf.synchronize()
    fft = per_call("k.fft2(g, G, plan=plan)", env)
    pf.synchronize()
    try:
        import cupy as cp
        x = cp.asarray(g)
        env["x"] = x
        cupy_call = per_call("k.project_object(x, x, x)", env)
        pf.synchronize()
    except Exception:  # noqa: BLE001
        cupy_call = None
    return {"empty_us": empty, "trivial_us": trivial, "convert_us": convert - trivial,
            "kernel_call_us": kernel, "native_launch_us": native,
            "overhead_us": kernel - native, "fft_call_us": fft, "cupy_arg_call_us": cupy_call,
            "n": n}


# --- memory ------------------------------------------------------------------------------

def memory(n):
    def used():
        info = pf.device_memory()
        return info["total"] - info["free"]

    out = {"n": n}
    try:
        import cupy as cp
        cp.get_default_memory_pool().free_all_blocks()
    except Exception:  # noqa: BLE001
        pass
    pf.synchronize()
    base = used()
    bufs = kernel_buffers(n)
    pf.synchronize()
    out["per_kernel"] = used() - base
    del bufs
    base = used()
    r = pf.Reconstructor(magnitude(n), seed=1, engine="cuda")
    r.iterate(2)
    r.finish()
    out["per_iteration"] = used() - base
    del r
    base = used()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], used())
            time.sleep(0.0005)

    t = threading.Thread(target=sample)
    t.start()
    pf.reconstruct(magnitude(n), iterations=50, seed=1, engine="cuda")
    done.set()
    t.join()
    out["one_call_peak"] = peak[0] - base
    out["one_call_after"] = used() - base
    out["estimate"] = _bench.engine_footprint(n, n, 1)
    return out


# --- report -----------------------------------------------------------------------------

def pct_range(d, prefix=""):
    """'+0.4 % (−0.3 … +1.1)': the median paired difference and its range."""
    return (f"{100 * d[prefix + 'diff']:+.2f} % ({100 * d[prefix + 'diff_min']:+.1f} … "
            f"{100 * d[prefix + 'diff_max']:+.1f})")


def plots(res, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [row["n"] for row in res["sizes"]]
    series = [("per iteration, metrics=False", lambda r: r["per_iteration"]["us"]),
              ("per iteration, with metrics", lambda r: r["per_iteration"].get("metrics_us")),
              ("per kernel", lambda r: r["per_kernel"]["us"]),
              ("native engine (pf_bench_gpu)", lambda r: r.get("engine_us")),
              ("CuPy tuned", lambda r: r["peers"].get("cupy")),
              ("PyTorch graph", lambda r: r["peers"].get("torch"))]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, get in series:
        pts = [(n, get(r)) for n, r in zip(sizes, res["sizes"]) if get(r)]
        if pts:
            ax.loglog(*zip(*pts), marker="o", label=label)
    ax.set_xlabel("N (N x N problem)")
    ax.set_ylabel("µs per GS iteration")
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    ax.set_title(f"Per-iteration time on {res['gpu']}: Python modes, the engine, its peers",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "bindings-times.png"), dpi=110)

    fig, ax = plt.subplots(figsize=(7, 4))
    for idx, (label, key) in enumerate([("one call (whole call)", "one_call"),
                                      ("per iteration, metrics=False", "per_iteration"),
                                      ("per kernel", "per_kernel")]):
        x = [n * (1 + 0.04 * (idx - 1)) for n in sizes]  # side by side at each N
        med = [100 * r[key]["diff"] for r in res["sizes"]]
        lo = [100 * (r[key]["diff"] - r[key]["diff_min"]) for r in res["sizes"]]
        hi = [100 * (r[key]["diff_max"] - r[key]["diff"]) for r in res["sizes"]]
        ax.errorbar(x, med, yerr=[lo, hi], marker="o", capsize=3, label=label)
    ax.set_xscale("log")
    for y in (-2, 2):
        ax.axhline(y, ls="--", c="grey")
    ax.axhline(5, ls=":", c="grey")
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.set_xlabel("N")
    ax.set_ylabel("% over the same work called from C++")
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title("Python over C++: median of interleaved pairs, bars = range (targets 2 %, 5 %)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "bindings-overhead.png"), dpi=110)

    o = res["overhead"]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    parts = [("empty call", o["empty_us"]), ("trivial call (3 args)", o["trivial_us"]),
             ("+ argument conversion", o["convert_us"]), ("kernel call from Python", o["kernel_call_us"]),
             ("same launch from C++", o["native_launch_us"])]
    ax.barh([p[0] for p in parts], [p[1] for p in parts], color=["#888", "#888", "#c84", "#48c", "#4a4"])
    for i, (_, v) in enumerate(parts):
        ax.text(v, i, f" {v:.2f} µs", va="center")
    ax.set_xlabel("µs per call (host side)")
    ax.set_title("Where the time of one kernel call goes")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "bindings-calls.png"), dpi=110)
    plt.close("all")


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--engine-json", help="pf_bench_gpu --json output of the same run")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--sizes", default="256,512,1024,2048,4096,8192")
    ap.add_argument("--from-json", help="re-render the report and plots from a saved bindings-results.json")
    ap.add_argument("--no-plots", action="store_true",
                    help="with --from-json: rewrite the page only, keep the plots")
    ap.add_argument("--update-one-call", metavar="RESULTS_JSON",
                    help="measure only the one-call comparison again, at the sizes of a saved "
                         "bindings-results.json, and re-render the report with it")
    ap.add_argument("--deadline", type=float, default=0,
                    help="seconds: start no further size after this long (0: no limit); the sizes "
                         "run in the order given, so list them smallest first")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.from_json:
        with open(args.from_json) as f:
            res = json.load(f)
        if args.commit != "unknown":
            res["commit"] = args.commit
        res["conclusions"] = conclusions(res)
        with open(os.path.join(args.out, "bindings-results.json"), "w") as f:
            json.dump(res, f, indent=1)
        if not args.no_plots:
            plots(res, args.out)
        write_markdown(res, args.out)
        print("re-rendered", args.out)
        return
    if not pf.cuda_available():
        sys.exit("make_report.py: no CUDA device: " + pf.cuda_unavailable_reason())
    if args.update_one_call:
        with open(args.update_one_call) as f:
            res = json.load(f)
        for row in res["sizes"]:
            n = row["n"]
            row["one_call"] = one_call(magnitude(n), ITERS[n], counters=n == res["counters_n"])
            log(f"N={n}: one call {1e3 * row['one_call']['call_s']:.1f} ms "
                f"(C++ {1e3 * row['one_call']['native_call_s']:.1f}), pairs {pct_range(row['one_call'])}")
        res["one_call_run"] = {
            "commit": args.commit,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        res["conclusions"] = conclusions(res)
        with open(os.path.join(args.out, "bindings-results.json"), "w") as f:
            json.dump(res, f, indent=1)
        plots(res, args.out)
        write_markdown(res, args.out)
        log("wrote", args.out)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    engine = {}
    if args.engine_json and os.path.exists(args.engine_json):
        with open(args.engine_json) as f:
            engine = {row["n"]: row for row in json.load(f).get("single", [])}
    try:
        gpu, driver = [s.strip() for s in subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, check=True).stdout.splitlines()[0].split(",")]
    except Exception:  # noqa: BLE001
        gpu, driver = "unknown", "unknown"
    counters_n = 2048 if 2048 in sizes else sizes[0]
    res = {"gpu": gpu, "driver": driver, "commit": args.commit,
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "python": sys.version.split()[0], "numpy": np.__version__, "sizes": [],
           "counters_n": counters_n}
    for mod in ("cupy", "torch"):
        try:
            res[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            pass
    res["overhead"] = overhead()
    log("overhead", json.dumps(res["overhead"]))
    for n in sizes:
        if args.deadline and time.perf_counter() - T0 > args.deadline and res["sizes"]:
            log(f"deadline of {args.deadline:.0f} s passed: N = {n} and above are left out")
            res["left_out"] = [s for s in sizes if s >= n]
            break
        m = magnitude(n)
        row = {"n": n}
        row["one_call"] = one_call(m, ITERS[n], counters=n == counters_n)
        log(f"N={n}: one call {1e3 * row['one_call']['call_s']:.1f} ms (C++ {1e3 * row['one_call']['native_call_s']:.1f}), "
            f"pairs {pct_range(row['one_call'])}")
        row["per_iteration"] = per_iteration(m, ITERS[n])
        row["per_kernel"] = per_kernel(n, ITERS[n])
        log(f"N={n}: per iteration {row['per_iteration']['us']:.1f} µs (C++ {row['per_iteration']['native_us']:.1f}), "
            f"with metrics {row['per_iteration']['metrics_us']:.1f} (C++ {row['per_iteration']['metrics_native_us']:.1f}), "
            f"per kernel {row['per_kernel']['us']:.1f} (C++ {row['per_kernel']['native_us']:.1f})")
        row["peers"] = peers(n)
        if n in engine:
            row["engine_us"] = engine[n].get("engine_us")
        res["sizes"].append(row)
        log(f"N={n}: peers {row['peers']}")
    if counters_n not in [r["n"] for r in res["sizes"]]:
        res["counters_n"] = counters_n = res["sizes"][-1]["n"]
    res["memory"] = memory(counters_n)
    log("memory", json.dumps(res["memory"]))
    res["conclusions"] = conclusions(res)
    with open(os.path.join(args.out, "bindings-results.json"), "w") as f:
        json.dump(res, f, indent=1)
    plots(res, args.out)
    write_markdown(res, args.out)
    log("wrote", args.out)


if __name__ == "__main__":
    main()
