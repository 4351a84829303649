#!/usr/bin/env python3
"""The parity test's bounds over many seeds: the evidence that they hold for every input.

usage: PYTHONPATH=build/default/python python3 tests/python/sweep_parity.py [SEEDS] [BETA]

Runs test_granularities.test_parity_with_float64_numpy's cases (stepwise_parity
from reference.py) for seeds 0..SEEDS-1 and prints, per case, the largest
median step error, the largest single step error and the largest Fourier error
difference as a fraction of its tolerance (rtol 1e-5, atol 1e-6). BETA (default
0.9, the engine's) is the reference's beta: give another to see the test fail.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import phaseforge as pf  # noqa: E402
from reference import Reference, stepwise_parity  # noqa: E402
from test_granularities import PARITY_CASES, parity_problem  # noqa: E402


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    beta_ref = float(sys.argv[2]) if len(sys.argv) > 2 else 0.9
    print(f"{seeds} seeds, reference beta {beta_ref}")
    print("| rule | shape | largest median step | largest step | largest error diff / tolerance |")
    print("|---|---|---|---|---|")
    for algorithm, iterations, shape, with_support, with_mask in PARITY_CASES:
        medians, largest, error_ratio = [], [], []
        for seed in range(seeds):
            magnitude, support, mask, phase = parity_problem(np.random.default_rng(seed), shape,
                                                             with_support, with_mask)
            ref = Reference(magnitude, phase, mask, support)
            r = pf.Reconstructor(magnitude, algorithm=algorithm, beta=0.9, support=support, mask=mask,
                                 initial_phase=phase, engine="cpu", threads=2)
            steps, errors, expected = stepwise_parity(r, ref, algorithm, beta_ref, iterations)
            medians.append(np.median(steps))
            largest.append(steps.max())
            error_ratio.append(np.max(np.abs(errors - expected) / (1e-5 * expected + 1e-6)))
        print(f"| {algorithm} | {shape[0]}×{shape[1]}{' masked' if with_mask else ''} | "
              f"{max(medians):.1e} | {max(largest):.1e} | {max(error_ratio):.2f} |", flush=True)


if __name__ == "__main__":
    main()
