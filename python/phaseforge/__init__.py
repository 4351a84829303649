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
    algorithm_help,
    algorithms,
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
    "algorithm_help",
    "algorithms",
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

    object: the answer (float32, real space). With the default recipe: the
        kept starts aligned on the best (shift and twin), averaged and centred
        (centre of mass in the middle of the field); with ``recipe=None``: the
        best start's object estimate as the engine holds it.
    support: its support (bool), moved like ``object``.
    raw_object, raw_support: the best start's object and support as the engine
        holds them (not averaged, not centred).
    history: metrics records as numpy arrays: iteration, start, fourier_error,
        real_error, support_size.
    final_errors: the final Fourier error of each start.
    free_errors: each start's error on the held-out (free) pixels, by which the
        starts are ranked (NaN without free pixels).
    kept: the starts averaged into ``object``, best first.
    prtf: dict of ``frequency`` (cycles per pixel), ``value`` (the phase-retrieval
        transfer function per ring) and ``resolution`` (where it falls below 1/e).
    quality: dict with ``trusted`` (False when any warning is raised),
        ``warnings`` (sentences), ``support_fraction``, ``start_spread``,
        ``free_error`` and ``fourier_error``.
    best_start: the index of the best start.
    iterations: iterations run (with the kicks' when the run stalled).
    kick_rounds: rounds of kicks out of stagnation run (0 unless the run
        stalled; docs/algorithms.md, "The default recipe").
    parameters: everything needed to replay the run (the seed drawn when none was
        given, the schedule, beta, the engine and its device; ``continued_from``,
        the saved result a continued run went on from, else None).
    """

    object: np.ndarray
    support: np.ndarray
    history: dict
    final_errors: list
    best_start: int
    iterations: int
    parameters: dict = field(default_factory=dict)
    raw_object: np.ndarray = None
    raw_support: np.ndarray = None
    free_errors: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    prtf: dict = field(default_factory=dict)
    quality: dict = field(default_factory=dict)
    kick_rounds: int = 0

    @property
    def errors(self) -> np.ndarray:
        """The Fourier error history of the best start."""
        keep = self.history["start"] == self.best_start
        return self.history["fourier_error"][keep]


def reconstruct(magnitude=None, *, recipe="default", algorithm=None, iterations=None, beta=None,
                support=None, mask=None, initial_phase=None, seed=None, starts=None,
                keep=None, engine="auto", threads=0, metrics_every=None, shrink_wrap=None,
                initial_support=None, two_pass=None, continue_from=None, kicks=None):
    """Runs a whole reconstruction in one call, with the GIL released.

    recipe: "default" runs the recipe shared with the app and the CLI
        (docs/algorithms.md, "The default recipe"): automatic support robust
        to a beamstop, detwinning, shrink-wrap, HIO:600,ER:200 from 16 starts
        ranked by their free error, the best 4 aligned, averaged and centred.
        Every other argument overrides one part of it. None runs the plain
        loop: one start of ``algorithm`` (default GS, 200 iterations), the
        given support only, no free pixels, the raw object.
    continue_from: a result saved by PhaseForge (a CXI path, e.g. from
        ``phaseforge-cli reconstruct``): the run goes on from it. Its raw object
        (the best start as the engine left it) is the start, its support the
        initial support, its magnitudes and mask the data, and its parameters
        the defaults in place of the recipe's: schedule, beta, seed (so the same
        free pixels stay held out), shrink-wrap where it stopped, centring; one
        start, no detwinning. Every other argument given overrides one part of
        it (docs/algorithms.md, "Continuing a run"); ``parameters["continued_from"]``
        names the file. Not with ``recipe=None`` or ``initial_phase``.
    magnitude: measured Fourier magnitudes, 2-D float32/float64, FFT order (zero
        frequency at [0, 0], as numpy.fft.fft2 returns it). Optional with
        ``continue_from``.
    algorithm: a rule run for ``iterations`` (default 200), or a schedule such as
        "HIO:200,ER:50" (then no ``iterations``); None: the recipe's schedule. The
        rules (g: the current iterate, g': the Fourier projection's output; a pixel
        violates outside the support or where g' < 0):
{rules}
    beta: the feedback parameter, 0 < beta <= 1 (None: the recipe's 0.9, or the saved run's).
    support: optional bool mask, 1 where the object may be non-zero.
    mask: optional bool mask of measured detector pixels (1 = measured).
    initial_phase: optional starting Fourier phase (radians); else a random phase
        from ``seed`` (drawn at random when None and recorded in the parameters).
    starts: independent starts (recipe: 16; plain: 1), ranked by free error
        (plain: final Fourier error).
    keep: how many of the best starts are aligned and averaged (recipe: 4).
    kicks: rounds of half-plane kicks out of stagnation when the run stalls (recipe: 16;
        0 = off; plain loop: none).
    engine: "auto" (CUDA when usable), "cuda", "cpu"/"fftw".
    threads: FFTW threads (0 = all).
    shrink_wrap: None (the recipe's: on; plain: off), False, True, or a dict of
        every, sigma_start, sigma_end, sigma_decay, threshold.
    initial_support: "auto" (the recipe's automatic support), "problem" (the
        support given; the default when ``support`` is given) or "autocorrelation".
    two_pass: CUDA engine only, an override: None (default) lets the engine pick
        its fastest iteration (the two-pass one with the project's own FFTs for
        rows and cols powers of two in 64..8192, cuFFT otherwise); True forces
        the two-pass iteration (rows and cols powers of two in 64..8192), False
        the cuFFT one. The two agree to float rounding; ``parameters["engine"]``
        reads "cuda two-pass" when the two-pass iteration ran.
    """
    out = _phaseforge._reconstruct(
        magnitude, recipe=recipe, algorithm=algorithm, iterations=iterations, beta=beta,
        support=support, mask=mask, initial_phase=initial_phase, seed=seed, starts=starts,
        keep=keep, engine=engine, threads=threads, metrics_every=metrics_every,
        shrink_wrap=shrink_wrap, initial_support=initial_support, two_pass=two_pass,
        continue_from=continue_from, kicks=kicks)
    return Result(**out)


# The rules in the docstring come from the algorithm table (core/src/algorithm.cpp).
if reconstruct.__doc__:  # None under python -OO
    reconstruct.__doc__ = reconstruct.__doc__.replace("{rules}", algorithm_help(" " * 8).rstrip("\n"))
