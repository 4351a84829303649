"""Bad input: a TypeError or ValueError whose message names the argument."""
import numpy as np
import pytest

import phaseforge as pf
from phaseforge import kernels as k

from conftest import make_problem


class FakeDeviceArray:
    """Looks like a CuPy array to the bindings (the pointer is never read)."""

    def __init__(self, shape, typestr="<f4"):
        self.__cuda_array_interface__ = {"shape": shape, "typestr": typestr, "data": (0, False),
                                         "version": 3, "strides": None}


@pytest.fixture
def problem(rng):
    return make_problem(rng, (16, 20))


@pytest.mark.parametrize("call,exc,name", [
    (lambda m, s: pf.reconstruct(m.astype(np.int32)), TypeError, "magnitude"),
    (lambda m, s: pf.reconstruct(m.astype(np.complex64)), TypeError, "magnitude"),
    (lambda m, s: pf.reconstruct(m.tolist()), TypeError, "magnitude"),
    (lambda m, s: pf.reconstruct(m[None]), ValueError, "magnitude"),
    (lambda m, s: pf.reconstruct(FakeDeviceArray(m.shape)), TypeError, "magnitude"),
    (lambda m, s: pf.reconstruct(m, support=s[:, :-1]), ValueError, "support"),
    (lambda m, s: pf.reconstruct(m, support=s.astype(np.float32)), TypeError, "support"),
    (lambda m, s: pf.reconstruct(m, support=np.zeros_like(s)), ValueError, "support"),
    (lambda m, s: pf.reconstruct(m, mask=s.T), ValueError, "mask"),
    (lambda m, s: pf.reconstruct(m, mask=s.astype(np.uint8) * 3), ValueError, "mask"),
    (lambda m, s: pf.reconstruct(m, beta=0.0), ValueError, "beta"),
    (lambda m, s: pf.reconstruct(m, beta=1.5), ValueError, "beta"),
    (lambda m, s: pf.reconstruct(m, algorithm="XYZ"), ValueError, "algorithm"),
    (lambda m, s: pf.reconstruct(m, algorithm="HIO:20x"), ValueError, "HIO:20x"),
    (lambda m, s: pf.reconstruct(m, algorithm="HIO:20", iterations=5), ValueError, "iterations"),
    (lambda m, s: pf.reconstruct(m, iterations=0), ValueError, "iterations"),
    (lambda m, s: pf.reconstruct(m, engine="tpu"), ValueError, "engine"),
    (lambda m, s: pf.reconstruct(m, seed=-1), ValueError, "seed"),
    (lambda m, s: pf.reconstruct(m, seed=1.5), TypeError, "seed"),
    (lambda m, s: pf.reconstruct(m, starts=0), ValueError, "starts"),
    (lambda m, s: pf.reconstruct(m, initial_phase=m[:-1]), ValueError, "initial_phase"),
    (lambda m, s: pf.reconstruct(m, shrink_wrap={"sigma": 2}), ValueError, "shrink_wrap"),
    (lambda m, s: pf.reconstruct(np.where(s, np.nan, m).astype(np.float32)), ValueError, "magnitude"),
    (lambda m, s: pf.reconstruct(-m), ValueError, "magnitude"),
    (lambda m, s: pf.Reconstructor(m, engine="cpu").iterate(-1), ValueError, "n"),
    (lambda m, s: pf.Reconstructor(m, engine="cpu").set_step(beta=-2), ValueError, "beta"),
    (lambda m, s: pf.Reconstructor(m, engine="cpu").read_object(3), ValueError, "start"),
    (lambda m, s: pf.Reconstructor(m, engine="cpu").device_object, TypeError, "device_object"),
])
def test_bad_arguments_are_named(problem, call, exc, name):
    magnitude, support = problem
    with pytest.raises(exc, match=name):
        call(magnitude, support)


def test_cuda_engine_without_cuda_is_a_runtime_error(problem):
    if pf.cuda_available():
        pytest.skip("a CUDA device exists here")
    with pytest.raises(RuntimeError, match="cuda"):
        pf.reconstruct(problem[0], engine="cuda")


@pytest.fixture
def loop(problem):
    magnitude, support = problem
    plan = k.FftPlan(magnitude.shape, threads=1)
    w = k.Weights(magnitude)
    g = np.ones(magnitude.shape, np.float32)
    G = np.zeros((16, 11), np.complex64)
    return magnitude, support, plan, w, g, G


@pytest.mark.parametrize("call,exc,name", [
    (lambda p, w, g, G: k.fft2(g.astype(np.float64), plan=p), TypeError, "x"),
    (lambda p, w, g, G: k.fft2(np.asfortranarray(g[:, :-1].T).T, plan=p), ValueError, "x"),
    (lambda p, w, g, G: k.fft2(np.ones((16, 40), np.float32)[:, ::2], plan=p), ValueError, "x"),
    (lambda p, w, g, G: k.fft2(g.T.copy(), plan=p), ValueError, "x"),
    (lambda p, w, g, G: k.fft2(g, out=G.real.copy(), plan=p), TypeError, "out"),
    (lambda p, w, g, G: k.fft2(g, out=G[:, :-1], plan=p), ValueError, "out"),
    (lambda p, w, g, G: k.fft2(g, out=FakeDeviceArray(G.shape, "<c8"), plan=p), TypeError, "out"),
    (lambda p, w, g, G: k.fft2(FakeDeviceArray(g.shape), plan=p), ValueError, "plan"),
    (lambda p, w, g, G: k.ifft2(G.astype(np.complex128), plan=p), TypeError, "spectrum"),
    (lambda p, w, g, G: k.ifft2(G, out=g[:, 1:], plan=p), ValueError, "out"),
    (lambda p, w, g, G: k.project_object(g, g[:-1], algorithm="HIO"), ValueError, "g_out"),
    (lambda p, w, g, G: k.project_object(g, g, algorithm="nope"), ValueError, "algorithm"),
    (lambda p, w, g, G: k.project_object(g, g, beta=2), ValueError, "beta"),
    (lambda p, w, g, G: k.project_object(g, g, support=np.ones(g.shape, np.int16)), TypeError, "support"),
    (lambda p, w, g, G: k.project_object(g, g, sums=np.zeros(1)), ValueError, "sums"),
    (lambda p, w, g, G: k.project_magnitude(G[:-1], w), ValueError, "spectrum"),
    (lambda p, w, g, G: k.project_magnitude(G.view(np.float32), w), TypeError, "spectrum"),
    (lambda p, w, g, G: k.error(G, w, sums=np.zeros(1, np.float32)), ValueError, "sums"),
    (lambda p, w, g, G: k.FftPlan((16,)), ValueError, "shape"),
    (lambda p, w, g, G: k.FftPlan((16, 20), device="tpu"), ValueError, "device"),
    (lambda p, w, g, G: pf.DeviceArray.wrap(g), TypeError, "array"),
    (lambda p, w, g, G: pf.DeviceArray.wrap(FakeDeviceArray((3, 3), "<i4")), TypeError, "array"),
])
def test_bad_kernel_arguments_are_named(loop, call, exc, name):
    _, _, plan, w, g, G = loop
    with pytest.raises(exc, match=name):
        call(plan, w, g, G)


def test_read_only_output_is_refused(loop):
    _, _, plan, w, g, G = loop
    G.setflags(write=False)
    with pytest.raises(ValueError, match="out"):
        k.fft2(g, out=G, plan=plan)


def test_strided_device_array_is_refused():
    fake = FakeDeviceArray((4, 4))
    fake.__cuda_array_interface__["strides"] = (32, 4)
    with pytest.raises(ValueError, match="array.*C-contiguous"):
        pf.DeviceArray.wrap(fake)


def test_file_errors_are_os_errors(tmp_path):
    missing = tmp_path / "missing.tif"
    with pytest.raises(OSError, match="missing.tif") as info:
        pf.load_diffraction(str(missing))
    assert info.value.filename == str(missing)
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(OSError, match="bad.npy"):
        pf.load_diffraction(str(bad))


def test_load_diffraction_reads_npy(tmp_path, rng):
    intensity = rng.random((8, 10)).astype(np.float32)
    path = tmp_path / "pattern.npy"
    np.save(path, intensity)
    loaded = pf.load_diffraction(str(path), kind="intensity", centring="fft-shifted")
    np.testing.assert_allclose(loaded["magnitude"], np.sqrt(intensity), rtol=1e-6)
    assert loaded["mask"].all() and loaded["format"] == "NPY"
