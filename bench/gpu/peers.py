#!/usr/bin/env python3
"""Times the peers of the CUDA engine's GS loop on the same GPU, in the same
run as pf_bench_gpu, and writes the combined table (markdown + JSON).

Peers, each the seed's GS loop A = M·exp(iφ); B = Re(IFFT(A)); B[B<0] = 0;
C = FFT(B); A = M·exp(i·arg C), float32:
  * CuPy naive: full complex fft2/ifft2, numpy-style expressions;
  * CuPy tuned: rfft2/irfft2 (Hermitian form, Msym), in-place positivity and a
    fused ElementwiseKernel projection;
  * PyTorch: rfft2/irfft2 with the loop body captured in a CUDA graph.
The bare cuFFT R2C+C2R pair and our engine come from pf_bench_gpu's JSON.

  peers.py --ours ours.json --out bench/results/gpu-engine [--commit SHA] [--command TEXT]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

import numpy as np

TARGETS = {256: 5, 512: 8, 1024: 12, 2048: 25, 4096: 130, 8192: 500}
ITERATIONS = {256: 200, 512: 200, 1024: 100, 2048: 40, 4096: 12, 8192: 6}
BATCHES = 7


def problem(n, seed=1):
    rng = np.random.default_rng(seed)
    m = rng.exponential(1.0, (n, n)).astype(np.float32)
    phi = rng.uniform(-np.pi, np.pi, (n, n)).astype(np.float32)
    return m, phi


def msym_half(m):
    """(M(k) + M(-k)) / 2 on the half spectrum: exact for a real iterate."""
    neg = np.roll(np.flip(m, (0, 1)), (1, 1), (0, 1))
    return ((m + neg) / 2)[:, : m.shape[1] // 2 + 1].astype(np.float32)


def median_us(run_batch, iterations, record, elapsed):
    run_batch(max(2, iterations // 4))  # warm-up: plans, graphs, clocks
    times = []
    for _ in range(BATCHES):
        start, stop = record(), None
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


def time_cupy_tuned(cp, n):
    m, phi = problem(n)
    shape = (n, n)
    Ms = cp.asarray(msym_half(m))
    A0 = np.fft.rfft2(np.fft.irfft2((m * np.exp(1j * phi)).astype(np.complex64)[:, : n // 2 + 1], s=shape))
    state = {"A": cp.asarray(A0.astype(np.complex64))}
    project = cp.ElementwiseKernel(
        "complex64 G, float32 m", "complex64 A",
        "float mag = abs(G); A = mag > 0.0f ? G * (m / mag) : complex<float>(m, 0.0f);",
        "pf_project")

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


def time_torch_graph(torch, n):
    m, phi = problem(n)
    shape = (n, n)
    dev = torch.device("cuda")
    Ms = torch.from_numpy(msym_half(m)).to(dev)
    A0 = np.fft.rfft2(np.fft.irfft2((m * np.exp(1j * phi)).astype(np.complex64)[:, : n // 2 + 1], s=shape))
    A = torch.from_numpy(A0.astype(np.complex64)).to(dev)
    per_graph = 10

    def body():
        g = torch.fft.irfft2(A, s=shape)
        g.clamp_(min=0)
        G = torch.fft.rfft2(g)
        mag = G.abs()
        A.copy_(torch.where(mag > 0, G * (Ms / mag), Ms.to(G.dtype)))

    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            body()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(per_graph):
            body()

    def run(k):
        for _ in range(max(1, k // per_graph)):
            graph.replay()

    def record():
        e = torch.cuda.Event(enable_timing=True)
        e.record()
        return e

    def elapsed(a, b):
        b.synchronize()
        return a.elapsed_time(b)

    iterations = max(per_graph, ITERATIONS[n] // per_graph * per_graph)
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ours", required=True, help="JSON written by pf_bench_gpu")
    ap.add_argument("--out", required=True, help="output path without extension (.md and .json are written)")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--command", default="tools/gpu-check run")
    ap.add_argument("--skip-naive-above", type=int, default=8192)
    args = ap.parse_args()

    with open(args.ours) as f:
        ours = json.load(f)
    import cupy as cp
    import torch

    gpu, driver = gpu_and_driver()
    rows = []
    for entry in ours["single"]:
        n = entry["n"]
        row = {"n": n, "engine_us": entry["engine_us"], "engine_lto_us": entry.get("engine_lto_us"),
               "engine_two_pass_us": entry.get("engine_two_pass_us"),
               "engine_two_pass_per_pass_us": entry.get("engine_two_pass_per_pass_us"),
               "bare_cufft_pair_us": entry["bare_cufft_pair_us"], "footprint_bytes": entry.get("footprint_bytes")}
        row["best_ours_us"] = min(x for x in (row["engine_us"], row["engine_lto_us"], row["engine_two_pass_us"])
                                  if x is not None)
        row["cupy_naive_us"] = time_cupy_naive(cp, n) if n <= args.skip_naive_above else None
        cp.get_default_memory_pool().free_all_blocks()
        row["cupy_tuned_us"] = time_cupy_tuned(cp, n)
        cp.get_default_memory_pool().free_all_blocks()
        row["torch_graph_us"] = time_torch_graph(torch, n)
        torch.cuda.empty_cache()
        peers = [row[k] for k in ("cupy_naive_us", "cupy_tuned_us", "torch_graph_us") if row[k] is not None]
        row["best_peer_us"] = min(peers)
        row["speedup_vs_best_peer"] = row["best_peer_us"] / row["best_ours_us"]
        row["ratio_to_bare_pair"] = row["engine_us"] / row["bare_cufft_pair_us"]
        row["lto_ratio_to_bare_pair"] = (row["engine_lto_us"] / row["bare_cufft_pair_us"]
                                         if row["engine_lto_us"] is not None else None)
        row["two_pass_ratio_to_bare_pair"] = (row["engine_two_pass_us"] / row["bare_cufft_pair_us"]
                                              if row["engine_two_pass_us"] is not None else None)
        row["target_us"] = TARGETS.get(n)
        print(f"N={n}: ours {row['best_ours_us']:.2f} us, best peer {row['best_peer_us']:.2f} us, "
              f"pair {row['bare_cufft_pair_us']:.2f} us", file=sys.stderr, flush=True)
        rows.append(row)

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    result = {"gpu": gpu, "driver": driver, "date": date, "commit": args.commit, "command": args.command,
              "cupy": cp.__version__, "torch": torch.__version__, "single": rows,
              "multistart": ours["multistart"]}
    lines = [
        "# CUDA engine benchmark: µs per GS iteration, single start",
        "",
        f"- GPU: {gpu}, driver {driver}",
        f"- Date: {date}; commit `{args.commit}`; CuPy {cp.__version__}, PyTorch {torch.__version__}",
        f"- Command: `{args.command}`",
        "- Ours: CUDA graph of the loop, metrics once per batch; CUDA events, warm-up, median of "
        "11 batches. *kernels* (stage 1): cuFFT R2C/C2R + one fused constraint kernel + one fused projection "
        "kernel (the default; the per-kernel API reproduces it bit for bit). *LTO callbacks*: "
        "`setLtoCallbacks(true)`, the rule and the projection inside cuFFT's load/store callbacks. "
        "*two-pass* (stage 2): `setTwoPass(true)`, one row pass (C2R, rule, R2C) and one column pass "
        "(FFT, projection, IFFT) per iteration with our own shared-memory FFTs; for small problems (docs/gpu-engine.md) one "
        "persistent cooperative launch per batch; *two-pass per-pass* the same path held to two launches per "
        "iteration (PF_TWO_PASS_PERSISTENT=0). *best ours* is the fastest of the three first.",
        "- Peers: the same GS loop, same GPU, same run (bench/gpu/peers.py); median of 7 batches. "
        "Bare pair: cuFFT R2C + C2R alone (no projection), graph-replayed, the floor of any loop built on "
        "library FFTs.",
        "",
        "| N | ours: kernels | ours: LTO callbacks | ours: two-pass | two-pass per-pass | CuPy naive | CuPy tuned | PyTorch + graph "
        "| best peer | best ours vs best peer | bare cuFFT pair | kernels / pair | LTO / pair | two-pass / pair "
        "| target | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = "yes" if r["target_us"] and r["best_ours_us"] <= r["target_us"] else "no"
        lto_ratio = "—" if r["lto_ratio_to_bare_pair"] is None else f"{r['lto_ratio_to_bare_pair']:.2f}×"
        two_ratio = ("—" if r["two_pass_ratio_to_bare_pair"] is None
                     else f"{r['two_pass_ratio_to_bare_pair']:.2f}×")
        lines.append(
            f"| {r['n']} | {fmt(r['engine_us'])} | {fmt(r['engine_lto_us'])} | {fmt(r['engine_two_pass_us'])} | "
            f"{fmt(r['engine_two_pass_per_pass_us'])} | {fmt(r['cupy_naive_us'])} | "
            f"{fmt(r['cupy_tuned_us'])} | {fmt(r['torch_graph_us'])} | {fmt(r['best_peer_us'])} | "
            f"{r['speedup_vs_best_peer']:.2f}× faster | {fmt(r['bare_cufft_pair_us'])} | "
            f"{r['ratio_to_bare_pair']:.2f}× | {lto_ratio} | {two_ratio} | ≤ {r['target_us']} | {met} |")
    lines += ["", "## Multi-start throughput, N = 512 (GS)", "",
              "| starts K | µs per iteration of all starts: kernels | LTO callbacks | two-pass "
              "| two-pass per-pass | start·iterations / s (best) | vs K = 1 (best) | two-pass vs its K = 1 |",
              "|---|---|---|---|---|---|---|---|"]

    def best_rate(r):
        return max(r["start_iterations_per_s"], r.get("lto_start_iterations_per_s") or 0,
                   r.get("two_pass_start_iterations_per_s") or 0)

    def two_rate(r):
        return r.get("two_pass_start_iterations_per_s") or 0

    base = best_rate(ours["multistart"][0]) if ours["multistart"] else 1
    two_base = two_rate(ours["multistart"][0]) if ours["multistart"] else 0
    for r in ours["multistart"]:
        two_vs = f"{two_rate(r) / two_base:.1f}×" if two_base > 0 and two_rate(r) > 0 else "—"
        lines.append(f"| {r['starts']} | {fmt(r['us_per_iteration'])} | {fmt(r.get('lto_us_per_iteration'))} | "
                     f"{fmt(r.get('two_pass_us_per_iteration'))} | "
                     f"{fmt(r.get('two_pass_per_pass_us_per_iteration'))} | "
                     f"{best_rate(r):.0f} | {best_rate(r) / base:.1f}× | {two_vs} |")
    lines.append("")
    for path, text in ((args.out + ".md", "\n".join(lines)), (args.out + ".json", json.dumps(result, indent=2))):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text + "\n")
        os.replace(tmp, path)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
