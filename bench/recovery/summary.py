"""Failure probabilities of tests/core/tst_recovery.cpp's bounds, from the
per-object lines of pf_bench_recovery (bench/recovery/run).

Each test draws 20 objects. Objects are independent, so with the per-object
outcome rates measured here the number of recoveries in a test is a sum of 20
independent draws; the probability that a test with a fresh seed fails its
bound is computed exactly from those rates, once with the measured rates and
once with each rate moved to the edge of its 95 % confidence interval (Wilson)
in the test's disfavour. The sweep's objects are also cut into consecutive
blocks of 20, each a test as CI would run it, and the failing blocks counted.

usage: summary.py OUT.md KNOWN_AT_LEAST WRAP_AT_LEAST WRAP_MARGIN FILE.jsonl...
"""
import json
import math
import sys


def wilson(k, n, z=1.96):
    """The 95 % Wilson interval of a proportion k/n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def binomial_below(p, n, k):
    """P(X < k) for X ~ Binomial(n, p)."""
    return sum(math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k))


def wrap_failure(probs, n, at_least, margin):
    """P(W < at_least or W - F < margin) over n objects, each with outcome
    probabilities probs = {(w, f): p} for w, f in {0, 1}."""
    dist = {(0, 0): 1.0}  # (W, W - F) -> probability
    for _ in range(n):
        nxt = {}
        for (w, d), p in dist.items():
            for (ow, of), q in probs.items():
                key = (w + ow, d + ow - of)
                nxt[key] = nxt.get(key, 0.0) + p * q
        dist = nxt
    return sum(p for (w, d), p in dist.items() if w < at_least or d < margin)


def main():
    out, known_at_least, wrap_at_least, wrap_margin = sys.argv[1], *map(int, sys.argv[2:5])
    rows = [json.loads(line) for f in sys.argv[5:] for line in open(f) if line.startswith("{")]
    lines = ["# Recovery sweep: how often tst_recovery's bounds fail for a fresh seed", "",
             "Command: `bench/recovery/run` (objects, starts and seeds as in "
             "tests/core/tst_recovery.cpp; protocols in tests/support/recovery.cpp).", ""]

    wrap = [r for r in rows if r["protocol"] == "wrap"]
    if wrap:
        n = len(wrap)
        starts = sorted({r["starts"] for r in wrap})
        count = {(w, f): 0 for w in (0, 1) for f in (0, 1)}
        for r in wrap:
            count[(int(r["wrapped"] <= 0.05), int(r["fixed"] <= 0.05))] += 1
        pw = sum(v for (w, _), v in count.items() if w) / n
        pf_ = sum(v for (_, f), v in count.items() if f) / n
        measured = {k: v / n for k, v in count.items()}
        # Disfavoured: fewer shrink-wrap recoveries and more fixed ones, each at
        # the edge of its interval (the mass moved from "wrapped only" first).
        lo_w = wilson(round(pw * n), n)[0]
        hi_f = wilson(round(pf_ * n), n)[1]
        worst = dict(measured)
        shift = pw - lo_w
        worst[(1, 0)] = max(0.0, worst[(1, 0)] - shift)
        worst[(0, 0)] += shift
        extra = hi_f - pf_
        worst[(0, 0)] = max(0.0, worst[(0, 0)] - extra)
        worst[(0, 1)] += extra
        blocks = [wrap[i:i + 20] for i in range(0, n - n % 20, 20)]
        failing = sum(1 for b in blocks
                      if sum(r["wrapped"] <= 0.05 for r in b) < wrap_at_least
                      or sum(r["wrapped"] <= 0.05 for r in b) - sum(r["fixed"] <= 0.05 for r in b)
                      < wrap_margin)
        per_block = [sum(r["wrapped"] <= 0.05 for r in b) for b in blocks]
        margins = [sum(r["wrapped"] <= 0.05 for r in b) - sum(r["fixed"] <= 0.05 for r in b)
                   for b in blocks]
        lines += ["## shrinkWrapBeatsAFixedAutocorrelationSupport", "",
                  f"{n} objects, {', '.join(map(str, starts))} start(s) each. Recovered to ≤ 5 %: "
                  f"shrink-wrap {round(pw * n)} ({100 * pw:.1f} %, 95 % interval "
                  f"{100 * wilson(round(pw * n), n)[0]:.1f}–{100 * wilson(round(pw * n), n)[1]:.1f} %), "
                  f"fixed autocorrelation support {round(pf_ * n)} ({100 * pf_:.1f} %); both "
                  f"{count[(1, 1)]}, shrink-wrap only {count[(1, 0)]}, fixed only {count[(0, 1)]}.", "",
                  f"Bound: at least {wrap_at_least} of 20 recovered with shrink-wrap and at least "
                  f"{wrap_margin} more than with the fixed support.", "",
                  f"- failure probability for a fresh seed, measured rates: "
                  f"{wrap_failure(measured, 20, wrap_at_least, wrap_margin):.1e}",
                  f"- the same with the rates at the disfavoured edges of their intervals: "
                  f"{wrap_failure(worst, 20, wrap_at_least, wrap_margin):.1e}",
                  f"- blocks of 20 consecutive objects: {len(blocks)}, failing {failing}; "
                  f"recoveries per block {min(per_block)}–{max(per_block)}, margin "
                  f"{min(margins)}–{max(margins)}" if blocks else "- fewer than 20 objects", ""]

    known = [r for r in rows if r["protocol"] == "known"]
    if known:
        n = len(known)
        k = sum(r["error"] <= 0.02 for r in known)
        lo = wilson(k, n)[0]
        blocks = [known[i:i + 20] for i in range(0, n - n % 20, 20)]
        per_block = [sum(r["error"] <= 0.02 for r in b) for b in blocks]
        lines += ["## hioThenErRecoversWithTheKnownSupport", "",
                  f"{n} objects, {', '.join(map(str, sorted({r['starts'] for r in known})))} starts "
                  f"each: {k} recovered to ≤ 2 % ({100 * k / n:.1f} %, 95 % interval "
                  f"{100 * lo:.1f}–{100 * wilson(k, n)[1]:.1f} %).", "",
                  f"Bound: at least {known_at_least} of 20.", "",
                  f"- failure probability for a fresh seed, measured rate: "
                  f"{binomial_below(k / n, 20, known_at_least):.1e}; at the interval's lower edge: "
                  f"{binomial_below(lo, 20, known_at_least):.1e}",
                  f"- blocks of 20: {len(blocks)}, recoveries per block "
                  f"{min(per_block)}–{max(per_block)}" if blocks else "- fewer than 20 objects", ""]
    open(out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
