#!/usr/bin/env python3
"""Markdown tables of pf_bench_gpu's JSON alone (no peers), for quick device runs.

    python3 bench/gpu/ours_table.py ours.json > table.md
"""
import json
import sys

TARGETS = {256: 5, 512: 8, 1024: 12, 2048: 25, 4096: 130, 8192: 500}


def fmt(x):
    return "—" if x is None else (f"{x:.1f}" if x >= 10 else f"{x:.2f}")


def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}×"


def main():
    with open(sys.argv[1]) as f:
        ours = json.load(f)
    lines = [f"Device: {ours.get('device', '?')}", "",
             "| N | kernels (stage 1) | LTO callbacks | two-pass (as picked) | two-pass per-pass "
             "| bare cuFFT pair | two-pass / pair | per-pass / two-pass | target | met |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ours["single"]:
        n = r["n"]
        two, per = r.get("engine_two_pass_us"), r.get("engine_two_pass_per_pass_us")
        best = min(x for x in (r["engine_us"], r.get("engine_lto_us"), two) if x is not None)
        target = TARGETS.get(n)
        met = "yes" if target and best <= target else "no"
        lines.append(f"| {n} | {fmt(r['engine_us'])} | {fmt(r.get('engine_lto_us'))} | {fmt(two)} | "
                     f"{fmt(per)} | {fmt(r['bare_cufft_pair_us'])} | {ratio(two, r['bare_cufft_pair_us'])} | "
                     f"{ratio(per, two)} | ≤ {target} | {met} |")
    lines += ["", "| N = 512, starts K | µs per iteration of all starts: kernels | two-pass (as picked) "
              "| two-pass per-pass | two-pass start·iterations / s | two-pass vs its K = 1 |",
              "|---|---|---|---|---|---|"]
    base = None
    for r in ours["multistart"]:
        two = r.get("two_pass_us_per_iteration")
        rate = r["starts"] * 1e6 / two if two else None
        base = base or rate
        lines.append(f"| {r['starts']} | {fmt(r['us_per_iteration'])} | {fmt(two)} | "
                     f"{fmt(r.get('two_pass_per_pass_us_per_iteration'))} | "
                     f"{'—' if rate is None else f'{rate:.0f}'} | "
                     f"{'—' if rate is None or not base else f'{rate / base:.1f}×'} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
