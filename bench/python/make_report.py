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
from report_markdown import BATCH_PAIRS, conclusions, pct_range, write_markdown

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gpu"))

ITERS = {256: 400, 512: 300, 1024: 200, 2048: 100, 4096: 30, 8192: 10}
# Interleaved Python/C++ pairs of whole reconstruct() calls per N. A call at
# 8192² is ~6 s of host-side load, so the count falls with N to fit the device
# budget; the spread that remains is reported beside the median.
ONE_CALL_PAIRS = {256: 21, 512: 21, 1024: 15, 2048: 9, 4096: 5, 8192: 3}
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
        pf.reconstruct(m, recipe=None, iterations=K, seed=1, engine="cuda", metrics_every=K)

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
    pf.reconstruct(magnitude(n), recipe=None, iterations=50, seed=1, engine="cuda")
    done.set()
    t.join()
    out["one_call_peak"] = peak[0] - base
    out["one_call_after"] = used() - base
    out["estimate"] = _bench.engine_footprint(n, n, 1)
    return out


# --- report -----------------------------------------------------------------------------


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
