"""The three granularities on the FFTW engine: bitwise identical iterates, and
parity with an independent float64 NumPy loop."""
import numpy as np
import pytest

import phaseforge as pf
from phaseforge import kernels as k

from conftest import make_problem
from reference import Reference, rel_l2, splitmix64_phase, stepwise_parity

THREADS = 2  # one count for engines and kernel plans, so FFTW picks one plan


def kernel_loop(magnitude, schedule, *, beta, support=None, mask=None, seed=None, phase=None):
    """One iteration at a time, written with phaseforge.kernels only.

    Returns the iterate g and the Fourier error measured at each iteration."""
    rows, cols = magnitude.shape
    plan = k.FftPlan(magnitude.shape, threads=THREADS)
    w = k.Weights(magnitude, mask)
    H = k.initial_spectrum(magnitude, mask, seed=seed, phase=phase)
    g_out = k.ifft2(H, plan=plan)
    g_out *= np.float32(1) / np.float32(rows * cols)   # the engine's load(): float invN
    g = g_out.copy()
    G = np.empty((rows, cols // 2 + 1), np.complex64)
    sums = np.zeros(1)
    errors = []
    for algorithm, count in schedule:
        for _ in range(count):
            k.project_object(g, g_out, out=g, algorithm=algorithm, beta=beta, support=support)
            k.fft2(g, out=G, plan=plan)
            k.zero(sums)
            k.project_magnitude(G, w, sums=sums)
            k.ifft2(G, out=g_out, plan=plan)
            m2 = w.sum_measured_squared
            errors.append(np.sqrt(max(0.0, sums[0] + m2) / m2))
    return g, np.array(errors)


def object_of(g, support):
    inside = np.ones(g.shape, bool) if support is None else support
    return np.where(inside & (g >= 0), g, np.float32(0)).astype(np.float32)


CASES = [
    ("GS", (32, 32), False, False),
    ("ER", (24, 40), True, False),
    ("HIO", (33, 27), True, True),
    ("OO", (32, 48), True, False),
    ("IO", (25, 25), True, False),
    ("RAAR", (40, 30), True, True),
    ("HIO", (256, 264), True, False),   # large enough for threaded FFTW plans
]


@pytest.mark.parametrize("algorithm,shape,with_support,with_mask", CASES)
def test_three_granularities_are_bitwise_identical(rng, algorithm, shape, with_support, with_mask):
    magnitude, box = make_problem(rng, shape)
    support = box if with_support else None
    mask = (rng.random(shape) > 0.05) if with_mask else None
    seed = int(rng.integers(0, 2**63))
    n, beta = 30, 0.85

    one = pf.reconstruct(magnitude, recipe=None, algorithm=algorithm, iterations=n, beta=beta, support=support,
                         mask=mask, seed=seed, engine="cpu", threads=THREADS)
    r = pf.Reconstructor(magnitude, algorithm=algorithm, beta=beta, support=support, mask=mask,
                         seed=seed, engine="cpu", threads=THREADS)
    for _ in range(n):
        r.iterate()
    g, errors = kernel_loop(magnitude, [(algorithm, n)], beta=beta, support=support, mask=mask,
                            seed=seed)

    assert r.iteration == n and one.iterations == n
    assert np.array_equal(r.read_iterate(), g), "Reconstructor.iterate() differs from the kernels"
    assert np.array_equal(r.object, one.object), "Reconstructor differs from reconstruct()"
    assert np.array_equal(object_of(g, support), one.object), "kernels differ from reconstruct()"
    np.testing.assert_allclose(r.metrics()["fourier_error"], one.history["fourier_error"], rtol=1e-6)
    # The error sums are OpenMP reductions: equal up to the order of addition.
    np.testing.assert_allclose(errors, one.history["fourier_error"], rtol=1e-5)


def test_schedule_and_set_step_match(rng):
    magnitude, box = make_problem(rng, (32, 36))
    one = pf.reconstruct(magnitude, recipe=None, algorithm="HIO:12,ER:5,RAAR:4", beta=0.7, support=box, seed=5,
                         engine="cpu", threads=THREADS)
    r = pf.Reconstructor(magnitude, algorithm="HIO", beta=0.7, support=box, seed=5, engine="cpu",
                         threads=THREADS)
    r.iterate(12)
    r.set_step(algorithm="ER")
    r.iterate(5)
    r.set_step(algorithm="raar")
    assert r.step == {"algorithm": "RAAR", "beta": pytest.approx(0.7)}
    r.iterate(4)
    g, _ = kernel_loop(magnitude, [("HIO", 12), ("ER", 5), ("RAAR", 4)], beta=0.7, support=box, seed=5)
    assert np.array_equal(r.object, one.object)
    assert np.array_equal(r.read_iterate(), g)
    assert one.parameters["schedule"] == "HIO:12,ER:5,RAAR:4"


def test_seeded_phase_is_the_documented_splitmix64(rng):
    magnitude, _ = make_problem(rng, (16, 12))
    seed = int(rng.integers(0, 2**64, dtype=np.uint64))
    by_seed = pf.reconstruct(magnitude, recipe=None, iterations=3, seed=seed, engine="cpu", threads=THREADS)
    phase = splitmix64_phase(magnitude.shape, seed).astype(np.float32)
    by_phase = pf.reconstruct(magnitude, recipe=None, iterations=3, initial_phase=phase, engine="cpu", threads=THREADS)
    assert np.array_equal(by_seed.object, by_phase.object)
    assert by_seed.parameters["seed"] == seed and by_phase.parameters["seed"] is None


PARITY_CASES = [
    ("GS", 50, (32, 32), False, False),
    ("GS", 50, (27, 35), False, True),
    ("OO", 50, (30, 40), True, False),
    ("ER", 50, (33, 33), True, True),
    ("HIO", 30, (32, 24), True, False),
    ("IO", 30, (25, 31), True, False),
    ("RAAR", 30, (36, 36), True, True),
]


def parity_problem(rng, shape, with_support, with_mask):
    """A parity case's magnitudes, support, mask (5% unmeasured) and start phase."""
    magnitude, box = make_problem(rng, shape)
    support = box if with_support else None
    mask = (rng.random(shape) > 0.05) if with_mask else None
    phase = rng.uniform(0, 2 * np.pi, shape).astype(np.float32)
    return magnitude, support, mask, phase


@pytest.mark.parametrize("algorithm,iterations,shape,with_support,with_mask", PARITY_CASES)
def test_parity_with_float64_numpy(rng, algorithm, iterations, shape, with_support, with_mask):
    """Every step against the float64 loop from the same state (reference.stepwise_parity
    says why whole trajectories are not compared)."""
    magnitude, support, mask, phase = parity_problem(rng, shape, with_support, with_mask)
    beta = 0.9
    ref = Reference(magnitude, phase, mask, support)
    r = pf.Reconstructor(magnitude, algorithm=algorithm, beta=beta, support=support, mask=mask,
                         initial_phase=phase, engine="cpu", threads=THREADS)
    assert rel_l2(r.read_iterate(), ref.g) <= 1e-6          # load(): B = Re(IFFT(A0))
    steps, errors, expected = stepwise_parity(r, ref, algorithm, beta, iterations)
    # Float32 rounding, at pixels where |FFT g| is far below the measured
    # magnitude, moves a step by up to ~2e-5 (largest over 1,000 seeds:
    # tests/python/sweep_parity.py); a wrong rule or beta moves it by 1e-2 or more.
    assert np.median(steps) <= 2e-6 and steps.max() <= 1e-4
    # The error is relative to the measured norm: 1e-6 absolute is float32's floor.
    np.testing.assert_allclose(errors, expected, rtol=1e-5, atol=1e-6)
    assert r.metrics()["fourier_error"].shape == (iterations,)


def test_first_iteration_is_the_seed_loop(rng):
    """GS, line by line: B = Re(IFFT(M e^{i phi})); B[B<0] = 0; C = FFT(B); A = M e^{i arg C}."""
    magnitude, _ = make_problem(rng, (20, 28))
    phase = rng.uniform(0, 2 * np.pi, magnitude.shape).astype(np.float32)
    m = magnitude.astype(np.float64)
    B = np.fft.ifft2(m * np.exp(1j * phase)).real
    B[B < 0] = 0
    C = np.fft.fft2(B)
    A = m * np.exp(1j * np.angle(C))
    B2 = np.fft.ifft2(A).real
    B2[B2 < 0] = 0
    r = pf.Reconstructor(magnitude, algorithm="GS", initial_phase=phase, engine="cpu", threads=THREADS)
    r.iterate(2)
    assert rel_l2(r.object, B2) < 1e-5


def test_kernel_transforms_match_numpy(rng):
    x = rng.standard_normal((24, 30)).astype(np.float32)
    plan = k.FftPlan(x.shape, threads=THREADS)
    G = k.rfft2(x, plan=plan)
    assert G.dtype == np.complex64 and G.shape == (24, 16)
    assert rel_l2(G, np.fft.rfft2(x.astype(np.float64))) < 1e-5
    keep = G.copy()
    y = k.irfft2(G, plan=plan)
    assert np.array_equal(G, keep), "ifft2 must leave its input alone on the host"
    assert rel_l2(y / x.size, x.astype(np.float64)) < 1e-5


def test_unaligned_host_arrays_give_the_same_bits(rng):
    """numpy arrays need not have FFTW's alignment: such inputs go through the
    plan's own aligned scratch and must give the same bits."""
    x = rng.standard_normal((16, 18)).astype(np.float32)
    plan = k.FftPlan(x.shape, threads=THREADS)
    aligned = k.fft2(x, plan=plan)
    raw = np.zeros(x.size + 1, np.float32)
    shifted = raw[1:].reshape(x.shape)          # 4 bytes off the allocation
    shifted[...] = x
    out_raw = np.zeros(aligned.size * 2 + 1, np.float32)
    out = out_raw[1:].view(np.complex64).reshape(aligned.shape)
    k.fft2(shifted, out=out, plan=plan)
    assert np.array_equal(out, aligned)
    back = k.ifft2(aligned, plan=plan)
    back2_raw = np.zeros(x.size + 1, np.float32)
    back2 = back2_raw[1:].reshape(x.shape)
    k.ifft2(out, out=back2, plan=plan)
    assert np.array_equal(back, back2)


def test_error_kernel_matches_reference(rng):
    magnitude, _ = make_problem(rng, (22, 26))
    mask = rng.random(magnitude.shape) > 0.1
    g = rng.random(magnitude.shape).astype(np.float32)
    plan = k.FftPlan(magnitude.shape, threads=THREADS)
    w = k.Weights(magnitude, mask)
    G = k.fft2(g, plan=plan)
    before = G.copy()
    got = k.error(G, w)
    assert np.array_equal(G, before), "error() must not project"
    mag = np.abs(np.fft.fft2(g.astype(np.float64)))
    d = (mag - magnitude)[mask]
    want = np.sqrt(np.sum(d * d) / np.sum(magnitude.astype(np.float64)[mask] ** 2))
    assert got == pytest.approx(want, rel=1e-5)


def test_result_object(rng):
    magnitude, box = make_problem(rng, (32, 32))
    res = pf.reconstruct(magnitude, recipe=None, algorithm="HIO:20,ER:10", support=box, starts=3, seed=11,
                         engine="cpu", threads=THREADS)
    assert res.object.dtype == np.float32 and res.object.shape == magnitude.shape
    assert res.support.dtype == bool and np.array_equal(res.support, box)
    assert len(res.final_errors) == 3
    assert res.final_errors[res.best_start] == min(res.final_errors)
    assert res.errors.shape == (30,)
    assert res.parameters["starts"] == 3 and res.parameters["engine"] == "fftw"
    assert res.parameters["beta"] == 0.9
    # two_pass is the CUDA engine's: the FFTW engine runs unchanged.
    same = pf.reconstruct(magnitude, recipe=None, algorithm="HIO:20,ER:10", support=box, starts=3, seed=11,
                          engine="cpu", threads=THREADS, two_pass=True)
    assert same.parameters["engine"] == "fftw" and np.array_equal(same.object, res.object)
    # The best start of a multi-start run is the run of that start alone.
    alone = pf.reconstruct(magnitude, recipe=None, algorithm="HIO:20,ER:10", support=box, seed=11 + res.best_start,
                           engine="cpu", threads=THREADS)
    assert np.array_equal(alone.object, res.object)
