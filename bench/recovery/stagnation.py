#!/usr/bin/env python3
"""Why gradient and smooth objects fail: a float64 study with the TRUE support.

usage: stagnation.py CASES_DIR CASE [--starts K] [--seed S] [--kicks N [--dark F]]

CASES_DIR is what make_cases.py wrote. With the true support given (no
support estimate, no shrink-wrap), the script runs K random starts of plain
HIO:600 (beta 0.9) + ER:100 and prints, per start, the Fourier error on the
measured pixels and the error against the truth after the best shift, twin
and positive scale. It also starts once from the truth itself.

What it shows for the gradient cases (see README.md): the truth is a fixed
point (ER and HIO started there stay there), but random starts settle in
other states whose Fourier error is several times the truth's, and whose
picture is wrong; the Fourier error does not even rank them by closeness to
the truth. More starts of the same iteration do not fix this.
"""
import argparse
import os

import numpy as np
from scipy.ndimage import uniform_filter


def twin(x):
    return np.roll(x[::-1, ::-1], (1, 1), (0, 1))


def aligned_error(x, truth):
    """Error after the best circular shift, twin and positive scale."""
    best = np.inf
    ft = np.fft.fft2(truth)
    for cand in (x, twin(x)):
        corr = np.real(np.fft.ifft2(ft * np.conj(np.fft.fft2(cand))))
        shift = np.unravel_index(np.argmax(corr), corr.shape)
        a = np.roll(cand, shift, (0, 1))
        scale = max((a * truth).sum() / max((a * a).sum(), 1e-300), 0.0)
        best = min(best, np.linalg.norm(scale * a - truth) / np.linalg.norm(truth))
    return best


class Problem:
    def __init__(self, magnitude, measured, support):
        self.m, self.k, self.s = magnitude, measured, support

    def project(self, g):
        spectrum = np.fft.fft2(g)
        spectrum = np.where(self.k, self.m * np.exp(1j * np.angle(spectrum)), spectrum)
        return np.real(np.fft.ifft2(spectrum))

    def fourier_error(self, x):
        a = np.abs(np.fft.fft2(x))
        return np.sqrt((((a - self.m) * self.k) ** 2).sum() / ((self.m * self.k) ** 2).sum())

    def hio(self, g, n, beta=0.9):
        for _ in range(n):
            p = self.project(g)
            g = np.where(self.s & (p >= 0), p, g - beta * p)
        return g

    def kick(self, g, dark, rng):
        """Random phases on the dark pixels, symmetric so that g stays real."""
        spectrum = np.fft.fft2(g)
        phase = np.exp(2j * np.pi * rng.random(spectrum.shape))
        phase = phase + np.conj(twin(phase))          # value at -k: conjugate
        kicked = np.where(dark, np.abs(spectrum) * np.exp(1j * np.angle(phase)), spectrum)
        return np.real(np.fft.ifft2(kicked))

    def er(self, g, n):
        for _ in range(n):
            p = self.project(g)
            g = np.where(self.s & (p >= 0), p, 0.0)
        return g


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases")
    ap.add_argument("case")
    ap.add_argument("--starts", type=int, default=24)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--kicks", type=int, default=0)
    ap.add_argument("--dark", type=float, default=0.5)
    a = ap.parse_args()
    load = lambda what: np.load(os.path.join(a.cases, f"{a.case}-{what}.npy")).astype(float)
    truth = load("truth")
    p = Problem(load("magnitude"), load("mask") > 0, truth > 0)
    # The truth in the pattern's units (the counts' scale): a fitted positive factor.
    a_t = np.abs(np.fft.fft2(truth))
    truth = truth * (a_t * p.m * p.k).sum() / (a_t * a_t * p.k).sum()
    print(f"{a.case}: truth: Fourier error {p.fourier_error(truth):.4f}; "
          f"after ER:100 from it {aligned_error(p.er(truth, 100), truth):.4f}, "
          f"after HIO:300,ER:50 from it {aligned_error(p.er(p.hio(truth, 300), 50), truth):.4f}")
    rng = np.random.default_rng(a.seed)
    local_mean = np.fft.ifftshift(uniform_filter(np.fft.fftshift(p.m), 7, mode="wrap"))
    dark = p.k & (p.m < a.dark * local_mean)
    rows = []
    for _ in range(a.starts):
        phase = np.exp(2j * np.pi * rng.random(p.m.shape))
        g = np.real(np.fft.ifft2(p.m * phase))
        x = p.er(p.hio(g, 600), 100)
        best, best_error, before = x, p.fourier_error(x), aligned_error(x, truth)
        for _ in range(a.kicks):
            x = p.er(p.hio(p.kick(x, dark, rng), 200), 50)
            if p.fourier_error(x) < best_error:
                best, best_error = x, p.fourier_error(x)
        if a.kicks:
            print(f"  start: {before:.3f} before the kicks, "
                  f"{aligned_error(best, truth):.3f} after", flush=True)
        rows.append((best_error, aligned_error(best, truth)))
    rows.sort()
    how = f" then {a.kicks} kicks on {dark.mean():.0%} of the pixels" if a.kicks else ""
    print(f"{a.starts} random starts, HIO:600,ER:100{how}, true support, sorted by Fourier error:")
    for fe, err in rows:
        print(f"  Fourier error {fe:.4f}  error against the truth {err:.3f}")
    print(f"best by Fourier error: {rows[0][1]:.3f}; best of all: {min(r[1] for r in rows):.3f}")


if __name__ == "__main__":
    main()
