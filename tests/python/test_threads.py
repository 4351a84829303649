"""The GIL is released while reconstruct() and Reconstructor.iterate() work, and a
Reconstructor may be shared between threads."""
import sys
import threading

import numpy as np

import phaseforge as pf

from conftest import make_problem


def seen_inside_a_call(call, calls=200):
    """Whether another Python thread runs while call() is inside the extension.

    A worker runs call() up to ``calls`` times, marking each call's number and
    "inside" just before it and clearing "inside" just after. The switch interval
    is raised so that the interpreter never takes the GIL from a thread that
    holds it: another Python thread then runs only where the worker blocks or
    releases the GIL, and the worker does neither between its marks unless the
    call releases it. This thread waits for the first mark, then hands a token
    to a helper thread and back; the GIL was released inside a call exactly
    when both saw the worker inside the same call. No rate or duration is
    compared: the answer comes from the order of events alone.
    """
    state = {"call": 0, "inside": False}
    entered, finished, stop = threading.Event(), threading.Event(), threading.Event()
    ping, pong = threading.Event(), threading.Event()
    seen = {}

    def worker():
        try:
            for k in range(1, calls + 1):
                if stop.is_set():
                    break
                state["call"], state["inside"] = k, True
                entered.set()
                call()
                state["inside"] = False
        finally:
            state["inside"] = False
            finished.set()
            entered.set()

    def helper():
        while True:
            ping.wait()
            ping.clear()
            if stop.is_set():
                return
            seen["helper"] = (state["inside"], state["call"])
            pong.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    threads = [threading.Thread(target=worker), threading.Thread(target=helper)]
    try:
        for t in threads:
            t.start()
        while True:
            entered.wait()
            entered.clear()
            if finished.is_set():
                return False
            mine = (state["inside"], state["call"])
            if not mine[0]:
                continue
            pong.clear()
            ping.set()
            pong.wait()
            if seen["helper"] == mine and (state["inside"], state["call"]) == mine:
                return True
    finally:
        stop.set()
        ping.set()
        sys.setswitchinterval(old)
        for t in threads:
            t.join()


def test_reconstruct_releases_the_gil(rng):
    magnitude, box = make_problem(rng, (64, 64))
    # Inputs the binding takes as they are: no conversion (which numpy might do
    # with the GIL released) runs before the call's own release.
    magnitude = np.ascontiguousarray(magnitude, dtype=np.float32)
    box = np.ascontiguousarray(box, dtype=np.uint8)
    assert seen_inside_a_call(lambda: pf.reconstruct(
        magnitude, algorithm="HIO", iterations=50, support=box, seed=1, engine="cpu", threads=1))


def test_iterate_releases_the_gil(rng):
    magnitude, box = make_problem(rng, (64, 64))
    r = pf.Reconstructor(magnitude, algorithm="HIO", support=box, seed=1, engine="cpu", threads=1)
    assert seen_inside_a_call(lambda: r.iterate(20))
    assert r.iteration % 20 == 0 and r.iteration > 0


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
