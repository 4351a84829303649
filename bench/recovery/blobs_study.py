#!/usr/bin/env python3
"""Why the bundled `blobs` stalls: a float64 study with its TRUE support.

usage: blobs_study.py SAMPLES_DIR starts [--first S] [--count N]
       blobs_study.py SAMPLES_DIR state --seed S

SAMPLES_DIR is what make_sample_cases.py wrote (blobs-magnitude.npy,
blobs-truth.npy). The support is the truth above 1e-3 of its peak (8810
pixels, nearly the whole 96 x 96 box); no support estimate, no shrink-wrap.

starts: N random starts (seeds S..S+N-1) of plain HIO:600 (beta 0.9) then
        ER:200; per start, the error against the truth after the best shift,
        twin and positive scale, and the Fourier error.
state:  one start (HIO:1000, ER:200), then what its stalled state is: the
        spatial frequencies where its error against the truth sits (with the
        phase error there), the peak of the spectrum of what the Fourier
        projection puts outside the support, L-BFGS-B on the amplitude misfit
        from it (does it move?), and a notch or a sign flip of the band around
        that peak followed by HIO:300, ER:200.
bench/recovery/README.md ("The bundled samples") quotes its numbers.
"""
import argparse
import os

import numpy as np
from scipy.optimize import minimize

from stagnation import aligned_error, twin


def load(folder):
    m = np.load(os.path.join(folder, "blobs-magnitude.npy")).astype(np.float64)
    truth = np.load(os.path.join(folder, "blobs-truth.npy")).astype(np.float64)
    return m, truth, truth > 1e-3 * truth.max()


def iterate(g, mag, support, hio, er, beta=0.9):
    for k in range(hio + er):
        gp = np.real(np.fft.ifft2(mag * np.exp(1j * np.angle(np.fft.fft2(g)))))
        ok = support & (gp > 0)
        g = np.where(ok, gp, g - beta * gp) if k < hio else np.where(ok, gp, 0.0)
    return g


def fourier_error(g, mag):
    return np.linalg.norm(np.abs(np.fft.fft2(g)) - mag) / np.linalg.norm(mag)


def random_start(mag, seed):
    rng = np.random.default_rng(seed)
    return np.real(np.fft.ifft2(mag * np.exp(2j * np.pi * rng.random(mag.shape))))


def signed(k, n):
    return k if k <= n // 2 else k - n


def aligned(x, truth):
    """x moved onto the truth (twin or not, best circular shift)."""
    best, out = np.inf, x
    for cand in (x, twin(x)):
        corr = np.real(np.fft.ifft2(np.fft.fft2(truth) * np.conj(np.fft.fft2(cand))))
        moved = np.roll(cand, np.unravel_index(np.argmax(corr), corr.shape), (0, 1))
        e = np.linalg.norm(moved - truth)
        if e < best:
            best, out = e, moved
    return out


def amplitude_misfit_descent(g, mag, support):
    """L-BFGS-B on sum (|F x| - M)^2 over x >= 0 inside the support."""
    inside = np.flatnonzero(support)
    n = mag.size

    def misfit(v):
        x = np.zeros(n)
        x[inside] = v
        spectrum = np.fft.fft2(x.reshape(mag.shape))
        amp = np.abs(spectrum)
        r = amp - mag
        phase = np.where(amp > 0, spectrum / np.maximum(amp, 1e-300), 0)
        grad = 2 * np.real(np.fft.ifft2(r * phase)) * n
        return (r * r).sum(), grad.ravel()[inside]

    res = minimize(misfit, np.maximum(g.ravel()[inside], 0), jac=True, method="L-BFGS-B",
                   bounds=[(0, None)] * inside.size, options={"maxiter": 2000, "maxcor": 30})
    x = np.zeros(n)
    x[inside] = res.x
    return x.reshape(mag.shape), res.nit


def state(folder, seed):
    mag, truth, support = load(folder)
    g = iterate(random_start(mag, seed), mag, support, 1000, 200)
    print(f"seed {seed}: error {aligned_error(g, truth):.4f}, Fourier error {fourier_error(g, mag):.5f} "
          f"(the truth's {fourier_error(truth, mag):.1e})")
    rows, cols = mag.shape
    diff = np.abs(np.fft.fft2(aligned(g, truth)) - np.fft.fft2(truth)) ** 2
    phase = np.angle(np.fft.fft2(aligned(g, truth)) / np.fft.fft2(truth))
    top = np.argsort(diff.ravel())[::-1][:8]
    print("where the error sits (frequency, |F|, phase error, cumulative share):")
    share = 0.0
    for i in top:
        u, v = np.unravel_index(i, diff.shape)
        share += diff.flat[i] / diff.sum()
        print(f"  ({signed(u, rows)}, {signed(v, cols)})  {np.abs(np.fft.fft2(truth)).flat[i]:.1f}"
              f"  {phase.flat[i]:+.2f}  {share:.3f}")
    gp = np.real(np.fft.ifft2(mag * np.exp(1j * np.angle(np.fft.fft2(g)))))
    outside = np.abs(np.fft.fft2(gp * ~support))
    outside[0, 0] = 0
    u, v = np.unravel_index(np.argmax(outside), outside.shape)
    print(f"outside-support spectrum peaks at ({signed(u, rows)}, {signed(v, cols)})")
    x, steps = amplitude_misfit_descent(g, mag, support)
    print(f"L-BFGS-B: {steps} steps, error {aligned_error(x, truth):.4f}, "
          f"Fourier error {fourier_error(x, mag):.5f}")
    fy = np.fft.fftfreq(rows) * rows
    fx = np.fft.fftfreq(cols) * cols
    ky, kx = np.meshgrid(fy, fx, indexing="ij")
    for mode in ("notch", "flip"):
        for radius in (1.5, 3, 5):
            band = np.zeros(mag.shape, bool)
            for s in (1, -1):
                dy = (ky - s * signed(u, rows) + rows / 2) % rows - rows / 2
                dx = (kx - s * signed(v, cols) + cols / 2) % cols - cols / 2
                band |= np.hypot(dy, dx) <= radius
            spectrum = np.fft.fft2(gp)
            spectrum[band] = 0 if mode == "notch" else -spectrum[band]
            kicked = np.real(np.fft.ifft2(spectrum))
            kicked = np.where(support & (kicked > 0), kicked, 0)
            after = iterate(kicked, mag, support, 300, 200)
            print(f"{mode} radius {radius}: {aligned_error(kicked, truth):.4f} after the kick, "
                  f"{aligned_error(after, truth):.4f} after HIO:300,ER:200")


def starts(folder, first, count):
    mag, truth, support = load(folder)
    for seed in range(first, first + count):
        g = iterate(random_start(mag, seed), mag, support, 600, 200)
        print(f"seed {seed}: error {aligned_error(g, truth):.4f}, Fourier error {fourier_error(g, mag):.5f}",
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("what", choices=("starts", "state"))
    ap.add_argument("--first", type=int, default=1000)
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.what == "starts":
        starts(a.folder, a.first, a.count)
    else:
        state(a.folder, a.seed)


if __name__ == "__main__":
    main()
