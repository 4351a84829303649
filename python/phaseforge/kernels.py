"""One call per stage of an iteration.

Each function runs on host (numpy) arrays with the FFTW engine's own arithmetic,
or on device arrays (``DeviceArray``, CuPy, PyTorch) with the CUDA engine's
kernels, in place or into ``out=``, on ``stream=``. One iteration of an engine,
written with them, reproduces the engine bit for bit::

    plan = kernels.FftPlan(shape, device="cpu")         # or device="cuda"
    w = kernels.Weights(magnitude, mask, device="cpu")
    H = kernels.initial_spectrum(magnitude, mask, seed=seed)
    g_out = kernels.ifft2(H, plan=plan)
    g_out *= np.float32(1) / np.float32(rows * cols)     # load(): the engines' float 1/N
    g = g_out.copy()
    for _ in range(n):
        kernels.project_object(g, g_out, out=g, algorithm="HIO", beta=0.9, support=s)
        kernels.fft2(g, out=G, plan=plan)
        kernels.project_magnitude(G, w)
        kernels.ifft2(G, out=g_out, plan=plan)

Spectra are half spectra (rows, cols // 2 + 1), complex64: the transforms are
the real r2c/c2r forms (``rfft2``/``irfft2`` are the same functions), and the
inverse is unnormalised, the 1/(rows*cols) being folded into project_magnitude.
"""

from ._phaseforge.kernels import (  # noqa: F401
    FftPlan,
    Weights,
    error,
    fft2,
    ifft2,
    initial_spectrum,
    irfft2,
    project_magnitude,
    project_object,
    rfft2,
    zero,
)

__all__ = ["FftPlan", "Weights", "error", "fft2", "ifft2", "initial_spectrum", "irfft2",
           "project_magnitude", "project_object", "rfft2", "zero"]
