"""The GIL is released while reconstruct() and Reconstructor.iterate() work."""
import threading
import time

import numpy as np

import phaseforge as pf

from conftest import make_problem


def count_while(call):
    """Runs call() on this thread while another Python thread counts; returns
    (ticks counted during the call, the call's duration in seconds)."""
    ticks = 0
    stop = threading.Event()
    started = threading.Event()

    def counter():
        nonlocal ticks
        started.set()
        while not stop.is_set():
            ticks += 1

    t = threading.Thread(target=counter)
    t.start()
    started.wait()
    time.sleep(0.05)
    before = ticks
    t0 = time.perf_counter()
    call()
    elapsed = time.perf_counter() - t0
    during = ticks - before
    stop.set()
    t.join()
    return during, elapsed


def test_reconstruct_releases_the_gil(rng):
    magnitude, box = make_problem(rng, (128, 128))
    # Calibrate: how fast does the counter run with the interpreter to itself?
    baseline, dt = count_while(lambda: time.sleep(0.2))
    rate = baseline / dt
    # Long enough to see, even when FFTW's wisdom spares the planning time.
    during, elapsed = count_while(lambda: pf.reconstruct(
        magnitude, algorithm="HIO", iterations=3000, support=box, seed=1, engine="cpu", threads=1))
    print(f"counter: {rate:.0f}/s idle, {during / elapsed:.0f}/s during a {elapsed:.2f} s reconstruct")
    assert elapsed > 0.1, "the run is too short to show anything"
    # Holding the GIL would leave the counter at ~0 (at most a few switch intervals).
    assert during > 0.2 * rate * elapsed


def test_iterate_releases_the_gil(rng):
    magnitude, box = make_problem(rng, (256, 256))
    r = pf.Reconstructor(magnitude, algorithm="HIO", support=box, seed=1, engine="cpu", threads=1)
    baseline, dt = count_while(lambda: time.sleep(0.2))
    rate = baseline / dt
    during, elapsed = count_while(lambda: r.iterate(300))
    assert elapsed > 0.1
    assert during > 0.2 * rate * elapsed
    assert r.iteration == 300


def test_reconstructor_is_safe_to_share_between_threads(rng):
    magnitude, box = make_problem(rng, (48, 48))
    r = pf.Reconstructor(magnitude, algorithm="ER", support=box, seed=2, engine="cpu", threads=1)
    threads = [threading.Thread(target=lambda: [r.iterate(1) for _ in range(25)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.iteration == 100
    alone = pf.Reconstructor(magnitude, algorithm="ER", support=box, seed=2, engine="cpu", threads=1)
    alone.iterate(100)
    assert np.array_equal(alone.read_iterate(), r.read_iterate())


def test_host_results_are_copies(rng):
    magnitude, box = make_problem(rng, (32, 32))
    r = pf.Reconstructor(magnitude, algorithm="HIO", support=box, seed=3, engine="cpu", threads=1)
    r.iterate(5)
    a = r.object
    a[...] = -1
    assert not np.array_equal(r.object, a)
    magnitude[...] = 0  # the engine keeps its own copy of the input
    r.iterate(1)
    assert np.isfinite(r.object).all() and r.object.any()
