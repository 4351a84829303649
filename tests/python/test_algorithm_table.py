"""The docstrings name the rules from the core's algorithm table, exposed as
phaseforge.algorithms(): every row is in them, and every name the table
gives is a rule the engine runs."""
import numpy as np
import pytest

import phaseforge as pf
from phaseforge import kernels


def test_the_table_has_every_rule_once():
    names = [row["name"] for row in pf.algorithms()]
    assert len(names) == len(set(names)) >= 6
    for row in pf.algorithms():
        assert ("beta" in row["formula"]) == row["uses_beta"]
        assert row["title"]


@pytest.mark.parametrize("doc", [
    pytest.param(lambda: pf.reconstruct.__doc__, id="reconstruct"),
    pytest.param(lambda: pf.Reconstructor.__doc__, id="Reconstructor"),
    pytest.param(lambda: kernels.project_object.__doc__, id="project_object"),
])
def test_docstrings_carry_every_row(doc):
    text = doc()
    assert "{rules}" not in text
    for row in pf.algorithms():
        assert row["formula"] in text, row["name"]
        assert row["title"] in text, row["name"]


def test_every_named_rule_runs_and_no_other(rng):
    rows = cols = 16
    obj = np.zeros((rows, cols))
    obj[4:12, 4:12] = rng.random((8, 8))
    magnitude = np.abs(np.fft.fft2(obj)).astype(np.float32)
    for row in pf.algorithms():
        res = pf.reconstruct(magnitude, recipe=None, algorithm=row["name"].lower(), iterations=2,
                             seed=1, engine="cpu")
        assert res.parameters["schedule"] == row["name"] + ":2"
    with pytest.raises(ValueError) as err:
        pf.reconstruct(magnitude, recipe=None, algorithm="NOPE", engine="cpu")
    assert ", ".join(row["name"] for row in pf.algorithms()) in str(err.value)
