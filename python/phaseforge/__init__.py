"""PhaseForge: phase retrieval for coherent diffractive imaging.

Three granularities share one set of buffers and give identical iterates:

* ``reconstruct(magnitude, ...)`` runs a whole reconstruction in one call (GIL released);
* ``Reconstructor(magnitude, ...)`` is one call per iteration (``iterate(n)``);
* ``phaseforge.kernels`` is one call per stage of an iteration, on numpy arrays
  (FFTW, the CPU engine's arithmetic) or on device arrays (the CUDA engine's kernels).

Device memory is ``DeviceArray``; it exposes ``__cuda_array_interface__`` and DLPack
and wraps CuPy and PyTorch arrays without copying. Every host<->device copy is an
explicit call, and ``stats()`` counts copies, allocations, launches and waits.
"""

from dataclasses import dataclass, field

import numpy as np

from . import _phaseforge
from ._phaseforge import (
    DeviceArray,
    Reconstructor,
    __version__,
    cuda_available,
    cuda_built,
    cuda_unavailable_reason,
    device_memory,
    load_diffraction,
    reset_stats,
    stats,
    synchronize,
)
from . import kernels

__all__ = [
    "DeviceArray",
    "Reconstructor",
    "Result",
    "__version__",
    "cuda_available",
    "cuda_built",
    "cuda_unavailable_reason",
    "device_memory",
    "kernels",
    "load_diffraction",
    "reconstruct",
    "reset_stats",
    "stats",
    "synchronize",
]


@dataclass
class Result:
    """What ``reconstruct`` returns.

    object: the best start's object estimate (float32, real space).
    support: its support (bool).
    history: metrics records as numpy arrays: iteration, start, fourier_error,
        real_error, support_size.
    final_errors: the final Fourier error of each start.
    best_start: the index of the start kept.
    iterations: iterations run.
    parameters: everything needed to replay the run (the seed drawn when none was
        given, the schedule, beta, the engine and its device).
    """

    object: np.ndarray
    support: np.ndarray
    history: dict
    final_errors: list
    best_start: int
    iterations: int
    parameters: dict = field(default_factory=dict)

    @property
    def errors(self) -> np.ndarray:
        """The Fourier error history of the best start."""
        keep = self.history["start"] == self.best_start
        return self.history["fourier_error"][keep]


def reconstruct(magnitude, *, algorithm="GS", iterations=None, beta=0.9, support=None,
                mask=None, initial_phase=None, seed=None, starts=1, engine="auto",
                threads=0, metrics_every=1, shrink_wrap=None, initial_support="problem",
                two_pass=None):
    """Runs a whole reconstruction in one call, with the GIL released.

    magnitude: measured Fourier magnitudes, 2-D float32/float64, FFT order (zero
        frequency at [0, 0], as numpy.fft.fft2 returns it).
    algorithm: "GS", "ER", "IO", "OO", "HIO" or "RAAR" run for ``iterations``
        (default 200), or a schedule such as "HIO:200,ER:50" (then no ``iterations``).
    beta: the feedback parameter, 0 < beta <= 1.
    support: optional bool mask, 1 where the object may be non-zero.
    mask: optional bool mask of measured detector pixels (1 = measured).
    initial_phase: optional starting Fourier phase (radians); else a random phase
        from ``seed`` (drawn at random when None and recorded in the parameters).
    starts: independent starts; the one with the lowest final Fourier error wins.
    engine: "auto" (CUDA when usable), "cuda", "cpu"/"fftw".
    threads: FFTW threads (0 = all).
    shrink_wrap: None/False, True, or a dict of every, sigma_start, sigma_end,
        sigma_decay, threshold.
    initial_support: "problem" (the support given) or "autocorrelation".
    two_pass: CUDA engine only, an override: None (default) lets the engine pick
        its fastest iteration (the two-pass one with the project's own FFTs for
        rows and cols powers of two in 64..4096, cuFFT otherwise); True forces
        the two-pass iteration (rows and cols powers of two in 64..8192), False
        the cuFFT one. The two agree to float rounding; ``parameters["engine"]``
        reads "cuda two-pass" when the two-pass iteration ran.
    """
    out = _phaseforge._reconstruct(
        magnitude, algorithm=algorithm, iterations=iterations, beta=beta, support=support,
        mask=mask, initial_phase=initial_phase, seed=seed, starts=starts, engine=engine,
        threads=threads, metrics_every=metrics_every, shrink_wrap=shrink_wrap,
        initial_support=initial_support, two_pass=two_pass)
    return Result(**out)
