"""How much faster 2 CPU workers reconstruct a batch than 1, and what the batch
costs over a plain Python loop of load_diffraction + reconstruct.

    PYTHONPATH=build/cpu-only/python python3 bench/batch/bench_batch.py \
        --patterns 24 --size 128 --reps 5 --json bench/batch/results.json \
        --markdown bench/batch/results.md

Both clusters (1 worker, 2 workers) are started before any timing and kept
for the whole run; the timed part is ``run_batch`` from submission to the last
result written (a fresh output folder each time, so nothing is skipped). The
three ways are interleaved (loop, 1 worker, 2 workers, then the next round in
another order) so that slow drift of a shared machine falls on all of them.
The load average is recorded beside each timing: on a machine shared with
other work, a 2-worker run cannot be twice as fast as the cores it gets.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def make_patterns(folder, count, size, seed):
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        obj = np.zeros((size, size))
        a = size * 3 // 8
        o = (size - a) // 2
        obj[o:o + a, o:o + a] = rng.random((a, a))
        path = os.path.join(folder, f"p{i:04d}.npy")
        np.save(path, (np.abs(np.fft.fftshift(np.fft.fft2(obj))) ** 2).astype(np.float32))
        paths.append(path)
    return paths


_RECIPE = None


def _pool_init(recipe):
    global _RECIPE
    _RECIPE = recipe


def _one(path):
    """A pool task: what the loop does for one pattern (no files written)."""
    import phaseforge as pf
    loaded = pf.load_diffraction(path)
    pf.reconstruct(loaded["magnitude"], mask=loaded["mask"], threads=1, **_RECIPE)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patterns", type=int, default=24)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--algorithm", default="HIO:200,ER:50")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    args = ap.parse_args()

    import phaseforge as pf
    from distributed import Client

    from phaseforge.batch import Recipe, local_cluster, run_batch
    from phaseforge.batch_files import write_result

    recipe = Recipe(algorithm=args.algorithm, engine="cpu")
    cores = len(os.sched_getaffinity(0))
    work = tempfile.mkdtemp(prefix="pf-bench-batch-")
    try:
        paths = make_patterns(work, args.patterns, args.size, args.seed)
        t0 = time.perf_counter()
        one = local_cluster(workers=1, gpus=[], cores=cores)
        c1 = Client(one)
        c1.wait_for_workers(1)
        start1 = time.perf_counter() - t0
        t0 = time.perf_counter()
        two = local_cluster(workers=2, gpus=[], cores=cores)
        c2 = Client(two)
        c2.wait_for_workers(2)
        start2 = time.perf_counter() - t0

        def loop(write):
            def run():
                out = tempfile.mkdtemp(prefix="loop-", dir=work)
                for p in paths:
                    loaded = pf.load_diffraction(p)
                    r = pf.reconstruct(loaded["magnitude"], mask=loaded["mask"], threads=cores,
                                       **recipe.reconstruct_kwargs())
                    if write:
                        write_result(os.path.join(out, os.path.basename(p) + ".cxi"), r,
                                     loaded["magnitude"], loaded["mask"], {})
                shutil.rmtree(out)
            return run

        def batch(client):
            def run():
                out = tempfile.mkdtemp(prefix="out-", dir=work)
                rows = run_batch(paths, out, recipe=recipe, client=client)
                assert all(r["status"] == "ok" for r in rows), rows
                shutil.rmtree(out)
            return run

        # The ceiling the machine gives at the moment: the loop's work spread
        # over 2 plain processes (multiprocessing, no dask, no files).
        import multiprocessing
        pool = multiprocessing.get_context("spawn").Pool(
            2, initializer=_pool_init, initargs=(recipe.reconstruct_kwargs(),))

        def pool2():
            assert len(pool.map(_one, paths, chunksize=1)) == len(paths)

        ways = {"loop": loop(False), "2 processes": pool2, "loop + CXI": loop(True),
                "1 worker": batch(c1), "2 workers": batch(c2)}
        for run in ways.values():   # warm: plans, imports, the first task's set-up
            run()
        # CPU seconds spent by the processes doing each way's work (this one,
        # and the workers or pool processes): on a machine shared with other
        # work, wall time says what the machine gave, CPU time what it took.
        import psutil
        me = os.getpid()
        procs = {"loop": [me], "loop + CXI": [me],
                 "2 processes": [me] + [p.pid for p in pool._pool],
                 "1 worker": [me] + list(c1.run(os.getpid).values()),
                 "2 workers": [me] + list(c2.run(os.getpid).values())}

        def cpu(k):
            total = 0.0
            for pid in procs[k]:
                t = psutil.Process(pid).cpu_times()
                total += t.user + t.system
            return total

        times = {k: [] for k in ways}
        loads = {k: [] for k in ways}
        cpus = {k: [] for k in ways}
        order = list(ways)
        for rep in range(args.reps):
            for k in (order if rep % 2 == 0 else order[::-1]):
                loads[k].append(os.getloadavg()[0])
                c = cpu(k)
                t = time.perf_counter()
                ways[k]()
                times[k].append(time.perf_counter() - t)
                cpus[k].append(cpu(k) - c)
                print(f"rep {rep}: {k:<9} {times[k][-1]:7.3f} s  (load {loads[k][-1]:.2f})",
                      file=sys.stderr)
        c1.close(), one.close(), c2.close(), two.close()
        pool.close()
        pool.join()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    speedups = [a / b for a, b in zip(times["1 worker"], times["2 workers"])]
    ceilings = [a / b for a, b in zip(times["loop"], times["2 processes"])]
    commit = os.environ.get("PF_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    result = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), commit=commit,
                  cpu=cpu, cores=cores, patterns=args.patterns, size=args.size,
                  algorithm=args.algorithm, reps=args.reps, times=times, loads=loads,
                  cpu_s=cpus,
                  cluster_start_s={"1 worker": start1, "2 workers": start2},
                  median_s=med, speedup_median=statistics.median(speedups),
                  speedup_of_medians=med["1 worker"] / med["2 workers"],
                  speedups=speedups, ceilings=ceilings,
                  ceiling_median=statistics.median(ceilings),
                  cpu_pressure=open("/proc/pressure/cpu").readline().strip()
                  if os.path.exists("/proc/pressure/cpu") else "",
                  python=platform.python_version(),
                  phaseforge=pf.__version__)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    n = args.patterns
    lines = [
        f"Measured {result['date']}, commit `{commit}`, {cpu}, {cores} cores, "
        f"Python {result['python']}; {n} patterns of {args.size}², `{args.algorithm}`, "
        f"CPU engine; {args.reps} interleaved rounds after one warm-up round.",
        "",
        "| way | median s | s per pattern | CPU s per pattern (median) | all rounds, s | "
        "load average at the start of each |",
        "|---|---|---|---|---|---|",
    ]
    cpu_med = {k: statistics.median(v) for k, v in cpus.items()}
    for k in ways:
        lines.append(f"| {k} | {med[k]:.2f} | {med[k] / n:.3f} | {cpu_med[k] / n:.3f} | "
                     f"{', '.join(f'{t:.2f}' for t in times[k])} | "
                     f"{', '.join(f'{x:.1f}' for x in loads[k])} |")
    lines += [
        "",
        f"2 workers against 1: **{result['speedup_median']:.2f}×** (median of the rounds' "
        f"ratios; {', '.join(f'{s:.2f}' for s in speedups)}). "
        f"The ceiling at the same moments, 2 plain processes against the loop: "
        f"{result['ceiling_median']:.2f}× ({', '.join(f'{s:.2f}' for s in ceilings)}). "
        f"Batch with 1 worker against the loop of reconstruct alone: "
        f"{100 * (med['1 worker'] / med['loop'] - 1):+.1f} %, against the loop that also "
        f"writes each CXI result: {100 * (med['1 worker'] / med['loop + CXI'] - 1):+.1f} %. "
        f"CPU time per pattern, 2 workers against 1: "
        f"{cpu_med['2 workers'] / cpu_med['1 worker']:.2f}. "
        f"Starting the cluster (not in the times): {start1:.1f} s (1 worker), "
        f"{start2:.1f} s (2 workers).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
