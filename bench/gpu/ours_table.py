#!/usr/bin/env python3
"""Markdown tables of pf_bench_gpu's JSON alone (no peers), for quick device runs.

    python3 bench/gpu/ours_table.py ours.json > table.md
"""
import json
import sys

TARGETS = {256: 5, 512: 6, 1024: 10, 2048: 25, 4096: 110, 8192: 420}


def fmt(x):
    return "—" if x is None else (f"{x:.1f}" if x >= 10 else f"{x:.2f}")


def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}×"


def main():
    with open(sys.argv[1]) as f:
        ours = json.load(f)
    lines = [f"Device: {ours.get('device', '?')}", "",
             "| N | default (path) | stage 1 | two-pass (as picked) | two-pass per-pass "
             "| bare cuFFT pair | default / pair | per-pass / two-pass | target | met |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ours["single"]:
        n = r["n"]
        default, two, per = r["engine_us"], r.get("engine_two_pass_us"), r.get("engine_two_pass_per_pass_us")
        target = TARGETS.get(n)
        met = "yes" if target and default <= target else "no"
        lines.append(f"| {n} | {fmt(default)} ({r.get('engine_default_path', '?')}) | "
                     f"{fmt(r.get('engine_stage1_us'))} | {fmt(two)} | {fmt(per)} | "
                     f"{fmt(r['bare_cufft_pair_us'])} | {ratio(default, r['bare_cufft_pair_us'])} | "
                     f"{ratio(per, two)} | ≤ {target} | {met} |")
    lines += ["", "| N = 512, starts K | µs per iteration of all starts: default | stage 1 | two-pass "
              "| two-pass per-pass | default start·iterations / s | default vs its K = 1 |",
              "|---|---|---|---|---|---|---|"]
    base = None
    for r in ours["multistart"]:
        rate = r.get("default_start_iterations_per_s")
        base = base or rate
        lines.append(f"| {r['starts']} | {fmt(r.get('default_us_per_iteration'))} | "
                     f"{fmt(r.get('stage1_us_per_iteration'))} | {fmt(r.get('two_pass_us_per_iteration'))} | "
                     f"{fmt(r.get('two_pass_per_pass_us_per_iteration'))} | "
                     f"{'—' if rate is None else f'{rate:.0f}'} | "
                     f"{'—' if rate is None or not base else f'{rate / base:.1f}×'} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
