"""Reconstructor.iterate(metrics=...): which iterations record metrics, on the
FFTW engine. A record is what costs the CUDA engine a device-to-host copy per
call; the GPU counters of the same loops are checked in test_gpu.py."""
import numpy as np
import pytest

import phaseforge as pf

from conftest import make_problem

THREADS = 2


def reconstructor(magnitude, box, seed, **kwargs):
    return pf.Reconstructor(magnitude, algorithm="HIO", beta=0.8, support=box, seed=seed,
                            engine="cpu", threads=THREADS, **kwargs)


def test_metrics_false_records_nothing_and_changes_no_iterate(rng):
    magnitude, box = make_problem(rng, (48, 40))
    seed = int(rng.integers(0, 2**63))
    quiet, loud = reconstructor(magnitude, box, seed), reconstructor(magnitude, box, seed)
    for _ in range(25):
        quiet.iterate(metrics=False)
        loud.iterate()
    assert quiet.iteration == loud.iteration == 25
    assert len(quiet.metrics()["iteration"]) == 0
    assert list(loud.metrics()["iteration"]) == list(range(1, 26))
    assert np.array_equal(quiet.read_iterate(), loud.read_iterate())

    # Recording again afterwards gives the loud run's records.
    quiet.iterate(3)
    loud.iterate(3)
    q, lo = quiet.metrics(), loud.metrics()
    assert list(q["iteration"]) == [26, 27, 28]
    assert list(q["fourier_error"]) == list(lo["fourier_error"][-3:])


def test_metrics_false_over_many_iterations_in_one_call(rng):
    magnitude, box = make_problem(rng, (32, 32))
    r = reconstructor(magnitude, box, 3, metrics_every=4)
    r.iterate(40, metrics=False)
    assert r.iteration == 40 and len(r.metrics()["iteration"]) == 0
    r.iterate(6)  # the default again: multiples of 4, and the call's last iteration
    assert list(r.metrics()["iteration"]) == [44, 46]


def test_interval_records_only_at_multiples(rng):
    magnitude, box = make_problem(rng, (40, 36))
    seed = int(rng.integers(0, 2**63))
    every = 7
    interval = reconstructor(magnitude, box, seed, metrics_every=every)
    reference = reconstructor(magnitude, box, seed, metrics_every=1)
    for _ in range(30):
        interval.iterate(metrics="interval")
        reference.iterate()
    got, ref = interval.metrics(), reference.metrics()
    assert list(got["iteration"]) == [7, 14, 21, 28]
    # Each record is the one the every-iteration run made at that iteration.
    by_iteration = dict(zip(ref["iteration"], ref["fourier_error"]))
    assert [by_iteration[i] for i in got["iteration"]] == list(got["fourier_error"])
    assert np.array_equal(interval.read_iterate(), reference.read_iterate())

    # Across call boundaries that do not fall on multiples.
    interval.iterate(5, metrics="interval")   # 31..35: records 35
    interval.iterate(3, metrics="interval")   # 36..38: none
    assert list(interval.metrics()["iteration"]) == [7, 14, 21, 28, 35]


@pytest.mark.parametrize("bad", ["all", 1, 0, None, "Interval"])
def test_bad_metrics_value_names_the_argument(rng, bad):
    magnitude, box = make_problem(rng, (16, 16))
    r = reconstructor(magnitude, box, 1)
    with pytest.raises(ValueError, match="metrics"):
        r.iterate(metrics=bad)
    assert r.iteration == 0
