"""Shared fixtures for the phaseforge pytest suite.

GPU cases carry the marker ``gpu`` and skip with a message when the module was
built without CUDA or no usable device exists.
"""
import os

import numpy as np
import pytest

import phaseforge


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a CUDA device (skips cleanly without one)")


def pytest_collection_modifyitems(config, items):
    if phaseforge.cuda_built() and phaseforge.cuda_available():
        return
    why = ("phaseforge was built without CUDA" if not phaseforge.cuda_built()
           else "no usable CUDA device: " + phaseforge.cuda_unavailable_reason())
    skip = pytest.mark.skip(reason=why)
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng():
    """Fresh random inputs every run; PF_TEST_SEED replays one."""
    seed = int(os.environ.get("PF_TEST_SEED", np.random.SeedSequence().entropy % (2**32)))
    print(f"PF_TEST_SEED={seed}")
    return np.random.default_rng(seed)


def make_problem(rng, shape, support_fraction=0.5):
    """A positive object inside a centred box, its Fourier magnitudes and the box."""
    rows, cols = shape
    support = np.zeros(shape, bool)
    r0, c0 = int(rows * (1 - support_fraction) / 2), int(cols * (1 - support_fraction) / 2)
    support[r0:rows - r0, c0:cols - c0] = True
    obj = np.where(support, rng.random(shape), 0.0)
    magnitude = np.abs(np.fft.fft2(obj)).astype(np.float32)
    return magnitude, support
