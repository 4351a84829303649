"""The same GS loop in NumPy (complex fft2) and scipy.fft (rfft2, `workers`
threads), float32, timed like bench_cpu.cpp: batches of >= 0.3 s, median of 5.
Prints one JSON object per (implementation, size)."""
import json
import sys
import time

import numpy as np
import scipy.fft as sfft


def numpy_loop(m, phase, iters):
    a = m * np.exp(1j * phase).astype(np.complex64)
    for _ in range(iters):
        b = np.fft.ifft2(a).real
        b[b < 0] = 0
        c = np.fft.fft2(b)
        a = m * np.exp(1j * np.angle(c))
    return a


def scipy_rfft_loop(m_half, a_half, shape, iters, workers):
    # Hermitian form: the state is the half spectrum, as in PhaseForge.
    for _ in range(iters):
        b = sfft.irfft2(a_half, s=shape, workers=workers)
        np.maximum(b, 0, out=b)
        c = sfft.rfft2(b, workers=workers)
        mag = np.abs(c)
        np.divide(c, mag, out=c, where=mag > 0)
        c *= m_half
        a_half = c
    return a_half


def time_it(fn):
    fn(2)  # warm-up
    batch = 1
    while True:
        t0 = time.perf_counter()
        fn(batch)
        if time.perf_counter() - t0 > 0.3:
            break
        batch *= 2
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        fn(batch)
        samples.append((time.perf_counter() - t0) * 1e6 / batch)
    samples.sort()
    return samples[2], batch


def main():
    threads = int(sys.argv[1])
    for n in map(int, sys.argv[2:]):
        rng = np.random.default_rng(n)
        m = rng.exponential(size=(n, n)).astype(np.float32)
        phase = rng.uniform(0, 2 * np.pi, size=(n, n)).astype(np.float32)
        us, batch = time_it(lambda k: numpy_loop(m, phase, k))
        print(json.dumps({"impl": "numpy fft2", "n": n, "threads": 1, "us_per_iteration": round(us, 1), "batch": batch}), flush=True)
        m_half = np.ascontiguousarray(m[:, : n // 2 + 1])
        a_half = sfft.rfft2(np.fft.ifft2(m * np.exp(1j * phase)).real.astype(np.float32))
        us, batch = time_it(lambda k: scipy_rfft_loop(m_half, a_half, (n, n), k, threads))
        print(json.dumps({"impl": "scipy.fft rfft2", "n": n, "threads": threads, "us_per_iteration": round(us, 1), "batch": batch}), flush=True)


if __name__ == "__main__":
    main()
