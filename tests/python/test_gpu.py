"""GPU cases (marker gpu): the three granularities on the CUDA engine, device
arrays, zero-copy exchange with CuPy and PyTorch, ownership and leaks, and
the counters. They skip cleanly without a CUDA device (see conftest.py)."""
import gc

import numpy as np
import pytest

import phaseforge as pf
from phaseforge import kernels as k

from conftest import make_problem
from reference import Reference, rel_l2, stepwise_parity

pytestmark = pytest.mark.gpu


def device_loop(g0, magnitude, schedule, *, beta, support=None, mask=None):
    """The CUDA engine's iteration, one kernel per call, on DeviceArrays,
    from the engine's loaded state g0 (= g' after load())."""
    rows, cols = magnitude.shape
    plan = k.FftPlan(magnitude.shape, device="cuda")
    w = k.Weights(magnitude, mask, device="cuda")
    g = pf.DeviceArray.from_host(g0)
    g_out = pf.DeviceArray.from_host(g0)
    G = pf.DeviceArray((rows, cols // 2 + 1), "complex64")
    s = None if support is None else pf.DeviceArray.from_host(support.astype(np.uint8))
    for algorithm, count in schedule:
        for _ in range(count):
            k.project_object(g, g_out, out=g, algorithm=algorithm, beta=beta, support=s)
            k.fft2(g, out=G, plan=plan)
            k.project_magnitude(G, w)
            k.ifft2(G, out=g_out, plan=plan)
    return g.to_host()


@pytest.mark.parametrize("algorithm,shape,with_support,with_mask", [
    ("GS", (64, 64), False, False),
    ("HIO", (96, 80), True, True),
    ("RAAR", (75, 51), True, False),
    ("ER", (512, 512), True, False),
])
def test_three_granularities_are_bitwise_identical_on_cuda(rng, algorithm, shape, with_support, with_mask):
    """The per-kernel loop reproduces the engine's stage-1 iteration bit for
    bit, and the engine's default iteration (the two-pass one where the shape
    allows it) to float rounding, step by step from the same state."""
    magnitude, box = make_problem(rng, shape)
    support = box if with_support else None
    mask = (rng.random(shape) > 0.05) if with_mask else None
    seed, n, beta = int(rng.integers(0, 2**62)), 25, 0.8
    one = pf.reconstruct(magnitude, recipe=None, algorithm=algorithm, iterations=n, beta=beta, support=support,
                         mask=mask, seed=seed, engine="cuda", two_pass=False)
    r = pf.Reconstructor(magnitude, algorithm=algorithm, beta=beta, support=support, mask=mask,
                         seed=seed, engine="cuda", two_pass=False)
    assert r.engine == "cuda"
    g0 = r.read_iterate()
    for _ in range(n):
        r.iterate()
    g = device_loop(g0, magnitude, [(algorithm, n)], beta=beta, support=support, mask=mask)
    assert np.array_equal(r.read_iterate(), g), "kernels differ from Reconstructor.iterate()"
    assert np.array_equal(r.object, one.object), "Reconstructor differs from reconstruct()"

    default = pf.Reconstructor(magnitude, algorithm=algorithm, beta=beta, support=support, mask=mask,
                               seed=seed, engine="cuda")
    power_of_two = all(v >= 64 and v & (v - 1) == 0 for v in shape)
    assert default.engine == ("cuda two-pass" if power_of_two else "cuda")
    state = default.read_iterate()
    assert np.array_equal(state, g0), "load() depends on the path"
    for _ in range(3):
        default.iterate()
        one_step = device_loop(state, magnitude, [(algorithm, 1)], beta=beta, support=support,
                               mask=mask) if not _reads_g(algorithm) else None
        state = default.read_iterate()
        if one_step is not None:
            # One step of the kernels from the engine's state: float rounding apart.
            assert rel_l2(state, one_step) <= 1e-5


def _reads_g(algorithm):
    """Rules that read g as well as g' (device_loop starts from g = g')."""
    return algorithm in ("IO", "HIO", "RAAR")


def test_cuda_matches_float64_numpy(rng):
    magnitude, box = make_problem(rng, (128, 96))
    phase = rng.uniform(0, 2 * np.pi, magnitude.shape).astype(np.float32)
    ref = Reference(magnitude, phase, None, box)
    r = pf.Reconstructor(magnitude, algorithm="ER", support=box, initial_phase=phase, engine="cuda")
    assert rel_l2(r.read_iterate(), ref.g) <= 1e-6
    steps, errors, expected = stepwise_parity(r, ref, "ER", 0.9, 50)
    assert np.median(steps) <= 2e-6 and steps.max() <= 1e-4
    np.testing.assert_allclose(errors, expected, rtol=1e-5, atol=1e-6)


def test_device_array_round_trip_and_interfaces():
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    d = pf.DeviceArray.from_host(host)
    assert d.owns_memory and d.shape == (3, 4) and d.dtype == np.float32 and d.nbytes == 48
    cai = d.__cuda_array_interface__
    assert cai["version"] == 3 and cai["typestr"] == "<f4" and cai["shape"] == (3, 4)
    assert cai["data"][0] == d.ptr and "stream" in cai
    assert d.__dlpack_device__() == (2, 0)
    assert np.array_equal(d.to_host(), host)
    d.copy_from_host(host * 2)
    assert np.array_equal(d.to_host(), host * 2)
    with pytest.raises(ValueError, match="array"):
        d.copy_from_host(np.zeros((4, 3), np.float32))
    with pytest.raises(TypeError, match="array"):
        d.copy_from_host(np.zeros((3, 4), np.float64))


def test_cupy_exchange_is_zero_copy_and_keeps_the_owner_alive():
    cp = pytest.importorskip("cupy")
    a = cp.arange(64 * 64, dtype=cp.float32).reshape(64, 64)
    ptr = a.data.ptr
    d = pf.DeviceArray.wrap(a)
    assert d.ptr == ptr and not d.owns_memory and d.owner is a
    del a
    gc.collect()
    # The view holds the CuPy array: its memory is still ours to read.
    assert np.array_equal(d.to_host(), np.arange(64 * 64, dtype=np.float32).reshape(64, 64))
    b = cp.asarray(pf.DeviceArray.from_host(np.ones((8, 8), np.float32)))
    assert float(b.sum()) == 64.0
    # A CuPy view of a DeviceArray keeps the DeviceArray alive.
    own = pf.DeviceArray.from_host(np.full((4, 4), 3, np.float32))
    view = cp.asarray(own)
    assert view.data.ptr == own.ptr
    del own
    gc.collect()
    assert float(view.sum()) == 48.0
    # Kernels take CuPy arrays directly.
    x = cp.random.random((32, 40), dtype=cp.float32)
    plan = k.FftPlan((32, 40), device="cuda")
    G = cp.empty((32, 21), cp.complex64)
    k.fft2(x, out=G, plan=plan)
    pf.synchronize()
    assert rel_l2(G.get(), np.fft.rfft2(x.get().astype(np.float64))) < 1e-5
    with pytest.raises(ValueError, match="x.*C-contiguous"):
        k.fft2(cp.zeros((40, 32), cp.float32).T, out=G, plan=plan)


def test_torch_exchange_is_zero_copy_and_keeps_the_owner_alive():
    torch = pytest.importorskip("torch")
    t = torch.arange(100, dtype=torch.float32, device="cuda").reshape(10, 10)
    d = pf.DeviceArray.wrap(t)
    assert d.ptr == t.data_ptr()
    del t
    gc.collect()
    assert np.array_equal(d.to_host(), np.arange(100, dtype=np.float32).reshape(10, 10))
    own = pf.DeviceArray.from_host(np.full((5, 5), 2, np.float32))
    tt = torch.from_dlpack(own)
    assert tt.data_ptr() == own.ptr
    del own
    gc.collect()
    assert float(tt.sum()) == 50.0
    with pytest.raises(TypeError, match="array"):
        pf.DeviceArray.wrap(torch.zeros(3, 3, dtype=torch.int32, device="cuda"))
    with pytest.raises(TypeError, match="x"):
        k.fft2(torch.zeros(4, 4), plan=k.FftPlan((4, 4), device="cuda"))


def test_device_object_outlives_its_reconstructor(rng):
    magnitude, box = make_problem(rng, (64, 64))
    r = pf.Reconstructor(magnitude, algorithm="HIO", support=box, seed=1, engine="cuda")
    r.iterate(10)
    expected = r.read_iterate()
    view = r.device_object
    assert view.readonly and not view.owns_memory
    del r
    gc.collect()
    # The view keeps the Reconstructor (and its engine's buffer) alive.
    assert np.array_equal(view.to_host(), expected)


def test_device_array_outlives_the_reconstructor_that_used_it(rng):
    """A DeviceArray written on the device from a Reconstructor's buffer keeps
    exactly those values after the Reconstructor is gone: ER without a support
    writes max(g, 0) of the engine's iterate into it."""
    magnitude, box = make_problem(rng, (64, 64))
    d = pf.DeviceArray.from_host(np.full(magnitude.shape, np.nan, np.float32))
    r = pf.Reconstructor(magnitude, algorithm="ER", support=box, seed=2, engine="cuda")
    r.iterate(3)
    expected = r.read_iterate()
    view = r.device_object
    k.project_object(view, view, out=d, algorithm="ER", beta=1.0)
    del r, view
    gc.collect()
    got = d.to_host()
    assert (expected < 0).any() and (expected > 0).any()  # the clamp is visible
    assert np.array_equal(got, np.maximum(expected, 0)), "the device array lost its values"


def test_ten_thousand_cycles_leak_no_device_memory(rng):
    cp = pytest.importorskip("cupy")
    pf.DeviceArray((256, 256))  # warm up the context
    before_stats = pf.stats()
    before = pf.device_memory()["free"]
    for _ in range(10_000):
        d = pf.DeviceArray((256, 256))
        v = cp.asarray(d)      # DLPack/CAI export and release
        w = pf.DeviceArray.wrap(v)
        del d, v, w
    gc.collect()
    after_stats = pf.stats()
    after = pf.device_memory()["free"]
    made = after_stats["allocations"] - before_stats["allocations"]
    freed = after_stats["frees"] - before_stats["frees"]
    print(f"10^4 cycles: {made} allocations, {freed} frees, free memory {before} -> {after}")
    assert made == 10_000 and freed == 10_000
    assert after >= before - 2 * 2**20   # within the driver's own bookkeeping


def test_reconstructor_cycles_leak_no_device_memory(rng):
    magnitude, box = make_problem(rng, (256, 256))
    pf.Reconstructor(magnitude, support=box, seed=1, engine="cuda").iterate(2)
    gc.collect()
    before = pf.device_memory()["free"]
    s0 = pf.stats()
    for i in range(300):
        r = pf.Reconstructor(magnitude, support=box, seed=i, engine="cuda")
        r.iterate(2)
        del r
    gc.collect()
    s1 = pf.stats()
    assert s1["allocations"] - s0["allocations"] == s1["frees"] - s0["frees"]
    assert pf.device_memory()["free"] >= before - 2 * 2**20


def test_kernel_loop_makes_no_copy_allocation_or_wait(rng):
    magnitude, box = make_problem(rng, (256, 256))
    plan = k.FftPlan(magnitude.shape, device="cuda")
    w = k.Weights(magnitude, device="cuda")
    g = pf.DeviceArray.from_host(rng.random(magnitude.shape).astype(np.float32))
    g_out = pf.DeviceArray.from_host(rng.random(magnitude.shape).astype(np.float32))
    G = pf.DeviceArray((256, 129), "complex64")
    s = pf.DeviceArray.from_host(box.astype(np.uint8))
    sums = pf.DeviceArray((3,), "float64")

    def iteration():
        k.zero(sums)
        k.project_object(g, g_out, out=g, algorithm="HIO", support=s, sums=sums)
        k.fft2(g, out=G, plan=plan)
        k.project_magnitude(G, w, sums=sums)   # error numerator, then the projection
        k.ifft2(G, out=g_out, plan=plan)

    iteration()
    pf.synchronize()
    before = pf.stats()
    for _ in range(100):
        iteration()
    after = pf.stats()
    pf.synchronize()
    d = {key: after[key] - before[key] for key in after}
    assert d["host_to_device_copies"] == 0 and d["device_to_host_copies"] == 0
    assert d["allocations"] == 0 and d["frees"] == 0 and d["synchronisations"] == 0
    assert d["kernel_launches"] >= 500


def test_iterate_makes_no_copy_or_allocation(rng):
    magnitude, box = make_problem(rng, (256, 256))
    r = pf.Reconstructor(magnitude, algorithm="HIO", support=box, seed=1, engine="cuda",
                         metrics_every=1000)
    r.iterate(5)
    r.metrics()
    before = pf.stats()
    for _ in range(100):
        r.iterate()
    after = pf.stats()
    d = {key: after[key] - before[key] for key in after}
    assert d["host_to_device_copies"] == 0 and d["allocations"] == 0 and d["frees"] == 0


def counted(run):
    """The stats() counters' change over run() (host-side counts: exact)."""
    before = pf.stats()
    run()
    after = pf.stats()
    return {key: after[key] - before[key] for key in after}


def test_iterate_without_metrics_makes_no_copy_allocation_or_wait(rng):
    magnitude, box = make_problem(rng, (256, 256))
    r = pf.Reconstructor(magnitude, algorithm="HIO", support=box, seed=1, engine="cuda",
                         metrics_every=10)
    for metrics in (False, "interval", True):  # every graph this test launches, made once
        for _ in range(10):
            r.iterate(metrics=metrics)
    r.finish()
    r.metrics()
    calls = 100

    def loop(metrics):
        def run():
            for _ in range(calls):
                r.iterate(metrics=metrics)
        return run

    quiet = counted(loop(False))
    assert quiet["host_to_device_copies"] == 0 and quiet["device_to_host_copies"] == 0
    assert quiet["device_to_device_copies"] == 0
    assert quiet["allocations"] == 0 and quiet["frees"] == 0 and quiet["synchronisations"] == 0
    assert quiet["graph_launches"] == calls

    # The same counters see the records when they are made: one copy per record.
    interval = counted(loop("interval"))
    assert interval["device_to_host_copies"] == calls // 10
    assert interval["allocations"] == 0 and interval["synchronisations"] == 0
    loud = counted(loop(True))
    assert loud["device_to_host_copies"] == calls
    r.finish()
    records = r.metrics()["iteration"]
    assert list(records[-calls:]) == list(range(r.iteration - calls + 1, r.iteration + 1))


def test_iterate_without_metrics_gives_the_same_iterate(rng):
    magnitude, box = make_problem(rng, (128, 96))
    quiet = pf.Reconstructor(magnitude, algorithm="HIO", support=box, seed=5, engine="cuda")
    loud = pf.Reconstructor(magnitude, algorithm="HIO", support=box, seed=5, engine="cuda")
    for _ in range(40):
        quiet.iterate(metrics=False)
        loud.iterate()
    assert np.array_equal(quiet.read_iterate(), loud.read_iterate())
    assert len(quiet.metrics()["iteration"]) == 0 and len(loud.metrics()["iteration"]) == 40


def test_kernels_reject_mixed_and_wrong_device_arguments():
    plan = k.FftPlan((8, 8), device="cuda")
    g = pf.DeviceArray((8, 8))
    with pytest.raises(TypeError, match="out"):
        k.fft2(g, out=np.zeros((8, 5), np.complex64), plan=plan)
    with pytest.raises(TypeError, match="g_out"):
        k.project_object(g, np.zeros((8, 8), np.float32))
    with pytest.raises(ValueError, match="plan"):
        k.fft2(np.zeros((8, 8), np.float32), plan=plan)
    with pytest.raises(ValueError, match="weights"):
        k.project_magnitude(pf.DeviceArray((8, 5), "complex64"), k.Weights(np.ones((8, 8), np.float32)))
    with pytest.raises(TypeError, match="out"):
        k.fft2(g, out=pf.DeviceArray((8, 5), "float32"), plan=plan)


def test_two_pass_option_reaches_the_cuda_engine(rng):
    """The engine picks its iteration by default (two-pass at 128², named so in
    the parameters); two_pass=False and True override it, and all agree to
    float rounding, in both the one-call and the per-iteration granularity."""
    magnitude, box = make_problem(rng, (128, 128))
    kw = dict(algorithm="ER:20", support=box, seed=3, engine="cuda")
    default = pf.reconstruct(magnitude, recipe=None, **kw)
    stage1 = pf.reconstruct(magnitude, recipe=None, two_pass=False, **kw)
    forced = pf.reconstruct(magnitude, recipe=None, two_pass=True, **kw)
    assert default.parameters["engine"] == "cuda two-pass"
    assert stage1.parameters["engine"] == "cuda"
    assert forced.parameters["engine"] == "cuda two-pass"
    assert np.array_equal(forced.object, default.object)
    assert rel_l2(default.object, stage1.object) <= 1e-4
    r = pf.Reconstructor(magnitude, algorithm="ER", support=box, seed=3, engine="cuda", two_pass=True)
    r.iterate(20)
    assert rel_l2(r.object, stage1.object) <= 1e-4
