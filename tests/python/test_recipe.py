"""The default recipe is the same in every front end: the command-line tool
and phaseforge.reconstruct, both on the CPU engine with one thread and the same
seed, write the same bits for a bundled sample; and the answer is the recipe's
(several starts averaged, centred, with a PRTF and a verdict)."""
import os
import pathlib
import subprocess

import h5py
import numpy as np

import phaseforge as pf

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "samples" / "letters.cxi"


def test_cli_and_python_run_the_same_recipe(tmp_path):
    cli = os.environ.get("PF_CLI")
    assert cli and os.access(cli, os.X_OK), "PF_CLI must name the built phaseforge-cli"
    loaded = pf.load_diffraction(str(SAMPLE))
    ours = pf.reconstruct(loaded["magnitude"], mask=loaded["mask"], seed=0, engine="cpu",
                          threads=1)
    out = tmp_path / "letters.cxi"
    subprocess.run([cli, "reconstruct", str(SAMPLE), "-o", str(out), "--seed", "0",
                    "--engine", "cpu", "--threads", "1", "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as f:
        theirs = f["/entry_1/image_1/data"][...]
        raw = f["/entry_1/image_1/process_1/raw_object"][...]
        kept = f["/entry_1/image_1/process_1/kept_starts"][...]
        schedule = f["/entry_1/image_1/process_1/schedule"][()].decode()
        free_error = f["/entry_1/image_1/process_1/quality/free_error"][()]
        noise_floor = f["/entry_1/image_1/process_1/quality/noise_floor"][()]
    assert schedule == ours.parameters["schedule"] == "HIO:600,ER:200"
    assert ours.parameters["starts"] == 16 and ours.parameters["keep"] == 4
    assert np.array_equal(theirs, ours.object), "the CLI and Python answers differ"
    assert np.array_equal(raw, ours.raw_object)
    assert list(kept) == list(ours.kept)
    assert ours.quality["trusted"], ours.quality["warnings"]
    assert free_error == ours.quality["free_error"]
    # letters.cxi holds scaled intensities, not photon counts: no noise floor.
    assert np.isnan(noise_floor) and np.isnan(ours.quality["noise_floor"])
    # Centred: the centre of mass of the answer sits in the middle of the field.
    rows, cols = ours.object.shape
    w = np.maximum(ours.object, 0)
    r = (w.sum(1) * np.arange(rows)).sum() / w.sum()
    c = (w.sum(0) * np.arange(cols)).sum() / w.sum()
    assert abs(r - rows / 2) < 2 and abs(c - cols / 2) < 2, (r, c)


def test_plain_loop_is_still_there():
    loaded = pf.load_diffraction(str(SAMPLE))
    res = pf.reconstruct(loaded["magnitude"], recipe=None, algorithm="ER", iterations=5,
                         seed=1, engine="cpu", threads=1)
    assert res.parameters["starts"] == 1 and res.kept == [0]
    assert np.array_equal(res.object, res.raw_object)


def test_stalled_sample_is_kicked_and_not_trusted(tmp_path):
    """The bundled cell (photon counts, a 2 px beamstop) stalls with its
    nucleus doubled. The recipe kicks it; the kicks lower its free error but
    do not undo the doubling (error 0.11 against its truth with 16 starts and
    half-plane kicks, 0.10 with phase kicks: the 10⁹-photon bound, 0.10, is
    not reached), so the verdict must not trust it. The CLI runs the same
    kicks: the same bits."""
    cell = ROOT / "resources" / "samples" / "cell.cxi"
    loaded = pf.load_diffraction(str(cell))
    ours = pf.reconstruct(loaded["magnitude"], mask=loaded["mask"], seed=0, engine="cpu",
                          threads=1)
    assert ours.kick_rounds == ours.parameters["kicks"] == 16
    assert ours.iterations == 800 + 16 * 200 + 20
    q = ours.quality
    assert q["free_error"] > 1.5 * q["noise_floor"], q
    assert not q["trusted"]
    assert any("rounds of kicks" in w for w in q["warnings"]), q["warnings"]
    cli = os.environ.get("PF_CLI")
    assert cli and os.access(cli, os.X_OK), "PF_CLI must name the built phaseforge-cli"
    out = tmp_path / "cell.cxi"
    subprocess.run([cli, "reconstruct", str(cell), "-o", str(out), "--seed", "0",
                    "--engine", "cpu", "--threads", "1", "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as f:
        assert f["/entry_1/image_1/process_1/kick_rounds"][()] == 16
        assert f["/entry_1/image_1/process_1/quality/trusted"][()] == 0
        assert np.array_equal(f["/entry_1/image_1/data"][...], ours.object)
