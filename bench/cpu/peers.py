"""PhaseForge's GS iteration written by hand in Python, as a skilled user would,
for bench/cpu/run. Every loop computes the engine's iteration
(docs/algorithms.md): B = Re(IFFT(A)), B[B < 0] = 0, C = FFT(B), then each half
spectrum pixel takes the symmetrised magnitude Msym(k) = (M(k) + M(-k)) / 2
with C's phase, and Msym(k) itself (phase 0) where |C| = 0.

  numpy fft2       the seed's loop on full complex spectra (NumPy's pocketfft,
                   one thread); with full spectra the symmetrisation is implicit.
  scipy.fft rfft2  half spectra, `workers` threads for the transforms; the
                   elementwise steps are NumPy's (one thread, one pass each).
  pyfftw+numexpr   FFTW itself through pyFFTW: FFTW_MEASURE plans with `threads`
                   threads on aligned buffers, unnormalised transforms (the
                   scale cancels in C/|C|), and each elementwise step fused into
                   one multi-threaded numexpr pass.

usage:
  peers.py time IMPL THREADS N      one JSON line: µs per iteration, the median
                                    of 5 batches of >= 0.3 s, with min and max
  peers.py check N                  each loop's iterate after 20 iterations
                                    against the float64 seed loop (exits 1 when
                                    one is off by more than 1e-4)
pyfftw and numexpr are optional: without them that implementation is skipped
with a message (bench/cpu/run says how to install them).
"""
import json
import sys
import time

import numpy as np
import scipy.fft as sfft


def symmetrised_half(m):
    """Msym on the rfft2 half spectrum: (M(k) + M(-k)) / 2."""
    mirrored = np.roll(m[::-1, ::-1], 1, axis=(0, 1))  # M(-k) at k
    full = 0.5 * (m + mirrored)
    return np.ascontiguousarray(full[:, : m.shape[1] // 2 + 1], dtype=np.float32)


def start(m, phase):
    """The half spectrum of the first iterate's FFT, A0 = M·exp(iφ) (Hermitian part)."""
    g0 = np.fft.ifft2(m.astype(np.float64) * np.exp(1j * phase)).real
    return np.fft.rfft2(g0).astype(np.complex64)


class NumpyLoop:
    name = "numpy fft2"

    def __init__(self, m, phase, threads):
        self.m = m
        self.a = (m * np.exp(1j * phase)).astype(np.complex64)

    def run(self, iters):
        a, m = self.a, self.m
        for _ in range(iters):
            b = np.fft.ifft2(a).real
            b[b < 0] = 0
            c = np.fft.fft2(b)
            a = m * np.exp(1j * np.angle(c))
        self.a = a

    def iterate_g(self):
        return np.fft.ifft2(self.a).real


class ScipyLoop:
    name = "scipy.fft rfft2"

    def __init__(self, m, phase, threads):
        self.shape = m.shape
        self.w = symmetrised_half(m)
        self.a = start(m, phase)
        self.workers = threads

    def run(self, iters):
        a, w = self.a, self.w
        for _ in range(iters):
            b = sfft.irfft2(a, s=self.shape, workers=self.workers)
            np.maximum(b, 0, out=b)
            c = sfft.rfft2(b, workers=self.workers)
            mag = np.abs(c)
            zero = mag == 0
            np.divide(c, mag, out=c, where=~zero)
            c[zero] = 1
            c *= w
            a = c
        self.a = a

    def iterate_g(self):
        return sfft.irfft2(self.a, s=self.shape)


class PyfftwLoop:
    name = "pyfftw+numexpr"

    def __init__(self, m, phase, threads):
        import numexpr as ne
        import pyfftw

        self.ne = ne
        ne.set_num_threads(threads)
        rows, cols = m.shape
        self.shape = m.shape
        self.w = symmetrised_half(m)
        self.b = pyfftw.empty_aligned((rows, cols), dtype="float32")
        self.c = pyfftw.empty_aligned((rows, cols // 2 + 1), dtype="complex64")
        flags = ("FFTW_MEASURE", "FFTW_DESTROY_INPUT")
        # c2r destroys its input: the spectrum is rebuilt every iteration anyway.
        self.inverse = pyfftw.FFTW(self.c, self.b, axes=(0, 1), direction="FFTW_BACKWARD",
                                   flags=flags, threads=threads)
        self.forward = pyfftw.FFTW(self.b, self.c, axes=(0, 1), direction="FFTW_FORWARD",
                                   flags=flags, threads=threads)
        self.c[...] = start(m, phase)  # after planning: FFTW_MEASURE overwrites the arrays

    def run(self, iters):
        ne, b, c, w = self.ne, self.b, self.c, self.w
        for _ in range(iters):
            # Unnormalised c2r: B·N. Positivity and the phase of C do not see the scale.
            self.inverse.execute()
            ne.evaluate("where(b > 0, b, 0)", out=b)
            self.forward.execute()
            # One pass: C/|C|·Msym, or Msym where |C| = 0.
            ne.evaluate("where(real(abs(c)) > 0, c * (w / real(abs(c))), w)", out=c,
                        casting="same_kind")

    def iterate_g(self):
        spectrum = self.c.copy()
        return np.fft.irfft2(spectrum, s=self.shape)


IMPLS = {cls.name: cls for cls in (NumpyLoop, ScipyLoop, PyfftwLoop)}


def problem(n):
    rng = np.random.default_rng(n)
    m = rng.exponential(size=(n, n)).astype(np.float32)
    phase = rng.uniform(-np.pi, np.pi, size=(n, n)).astype(np.float32)
    return m, phase


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
    return samples, batch


def make(name, m, phase, threads):
    try:
        return IMPLS[name](m, phase, threads)
    except ImportError as e:
        print(f"peers.py: {name} skipped: {e}", file=sys.stderr)
        return None


def time_one(name, threads, n):
    m, phase = problem(n)
    loop = make(name, m, phase, threads)
    if loop is None:
        return 0
    samples, batch = time_it(loop.run)
    print(json.dumps({"impl": name, "n": n, "threads": threads if name != "numpy fft2" else 1,
                      "us_per_iteration": round(samples[2], 1), "min": round(samples[0], 1),
                      "max": round(samples[-1], 1), "batch": batch}), flush=True)
    return 0


def check(n, iters=20):
    """Each loop against the float64 seed loop from the same start."""
    m, phase = problem(n)
    a = m.astype(np.float64) * np.exp(1j * phase.astype(np.float64))
    for _ in range(iters):
        b = np.fft.ifft2(a).real
        b[b < 0] = 0
        c = np.fft.fft2(b)
        a = m * np.exp(1j * np.angle(c))
    reference = np.fft.ifft2(a).real
    status = 0
    for name in IMPLS:
        loop = make(name, m, phase, 2)
        if loop is None:
            continue
        loop.run(iters)
        g = loop.iterate_g()
        err = np.linalg.norm(g - reference) / np.linalg.norm(reference)
        ok = err <= 1e-4
        status |= not ok
        print(f"{name}: {iters} iterations at {n}²: {err:.2e} from float64 "
              f"({'ok' if ok else 'off'})")
    return status


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(int(sys.argv[2])))
    if len(sys.argv) == 5 and sys.argv[1] == "time" and sys.argv[2] in IMPLS:
        sys.exit(time_one(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
