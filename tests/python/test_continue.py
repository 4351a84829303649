"""reconstruct(continue_from=...): a run saved by phaseforge-cli goes on in
Python. The references are the saved file itself, read by h5py (an
independent reader): its raw object, its final error, its seed and beta."""
import os
import subprocess

import h5py
import numpy as np
import pytest

import phaseforge as pf

PROCESS = "/entry_1/image_1/process_1/"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A CLI run that ends on ER after its last support change, with several
    starts averaged and centred: the saved picture is not the raw iterate."""
    cli = os.environ.get("PF_CLI")
    if not cli or not os.path.exists(cli):
        pytest.skip("PF_CLI does not name phaseforge-cli (ctest sets it)")
    folder = tmp_path_factory.mktemp("continue")
    pattern, result = str(folder / "pattern.cxi"), str(folder / "saved.cxi")
    subprocess.run([cli, "simulate", "blobs:16:11", "-o", pattern], check=True, capture_output=True)
    subprocess.run([cli, "reconstruct", pattern, "-o", result, "--algorithm", "HIO:120,ER:30",
                    "--starts", "3", "--keep", "2", "--seed", "9", "--beta", "0.8",
                    "--shrink-wrap", "off", "--engine", "cpu", "--quiet"], check=True, capture_output=True)
    with h5py.File(result, "r") as h:
        best = int(h[PROCESS + "best_start"][()])
        return {
            "path": result,
            "pattern": pattern,
            "raw_object": h[PROCESS + "raw_object"][()],
            "final_error": float(h[PROCESS + "final_errors"][best]),
            "seed": int(h[PROCESS + "seed"][()]),
            "beta": float(h[PROCESS + "beta"][()]),
        }


def test_error_reduction_goes_on_from_the_saved_error(saved):
    res = pf.reconstruct(continue_from=saved["path"], algorithm="ER", iterations=12, engine="cpu")
    errors = res.errors
    assert len(errors) == 12
    last = saved["final_error"]
    assert abs(errors[0] - last) <= 1e-5 * last, (errors[0], last)
    assert np.all(np.diff(errors) <= 1e-5 * last), errors
    assert res.parameters["continued_from"] == saved["path"]
    assert res.parameters["initial_guess"] == "object"
    assert res.parameters["starts"] == 1
    assert res.parameters["seed"] == saved["seed"]      # the same free pixels
    assert res.parameters["beta"] == pytest.approx(saved["beta"])
    assert np.isfinite(res.quality["free_error"])


def test_the_saved_parameters_are_defaults_and_arguments_override_them(saved):
    res = pf.reconstruct(continue_from=saved["path"], algorithm="HIO:4,ER:2", beta=0.5, engine="cpu")
    assert res.parameters["schedule"] == "HIO:4,ER:2"
    assert res.parameters["beta"] == 0.5
    default = pf.reconstruct(continue_from=saved["path"], engine="cpu")
    assert default.parameters["schedule"] == "HIO:120,ER:30"  # the saved schedule
    assert default.parameters["beta"] == pytest.approx(0.8)


def test_the_start_is_the_raw_object(saved):
    # g0 = g'0 = x, the saved raw object: one ER step gives x back, bit for
    # bit, with the saved run's final error.
    one = pf.reconstruct(continue_from=saved["path"], algorithm="ER", iterations=1, engine="cpu")
    assert np.array_equal(one.raw_object, saved["raw_object"])
    assert one.errors[0] == pytest.approx(saved["final_error"], rel=1e-5)


def test_bad_continuations_name_the_problem(saved):
    with pytest.raises(OSError) as err:
        pf.reconstruct(continue_from=saved["pattern"], engine="cpu")
    assert "not a result saved by PhaseForge" in err.value.args[0]
    assert err.value.filename == saved["pattern"]
    with pytest.raises(ValueError, match="starts"):
        pf.reconstruct(continue_from=saved["path"], starts=2, engine="cpu")
    with pytest.raises(ValueError, match="initial_phase"):
        pf.reconstruct(continue_from=saved["path"], initial_phase=np.zeros((32, 32)), engine="cpu")
    with pytest.raises(ValueError, match="recipe"):
        pf.reconstruct(continue_from=saved["path"], recipe=None, engine="cpu")
    with pytest.raises(TypeError, match="magnitude"):
        pf.reconstruct(engine="cpu")
