"""phaseforge.batch on a real dask.distributed LocalCluster (2 worker processes)
and real files: results equal to runs made one by one, a corrupt input failing
alone, a worker killed mid-task, an interrupted batch resumed, the GPU path
(one pinned worker per device) run with CPU workers.

Every batch here uses the CPU engine, so the bits compared are the same on a
machine with a GPU. The FFTW wisdom file is the test's own (PF_FFTW_WISDOM),
shared by the reference runs and the workers, as a machine's is.
"""
import hashlib
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

if os.environ.get("PF_REQUIRE_BATCH"):   # set by ctest's pytest_phaseforge_batch: fail, not skip
    import distributed  # noqa: F401
    import h5py
    import tifffile
else:
    distributed = pytest.importorskip("distributed")
    h5py = pytest.importorskip("h5py")
    tifffile = pytest.importorskip("tifffile")

from distributed import Client  # noqa: E402
from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402

from phaseforge import batch  # noqa: E402
from phaseforge.batch import Recipe, expand_inputs, local_cluster, run_batch  # noqa: E402
from phaseforge.batch_files import temporaries  # noqa: E402

from conftest import seeded_rng  # noqa: E402

RECIPE = Recipe(algorithm="HIO:120,ER:30", starts=1, engine="cpu")
N_VALID = 12


def _object(rng, shape, box):
    rows, cols = shape
    obj = np.zeros(shape)
    r0, c0 = (rows - box[0]) // 2, (cols - box[1]) // 2
    obj[r0:r0 + box[0], c0:c0 + box[1]] = rng.random(box)
    return obj


def _intensity(obj):
    """A centred diffraction pattern, as a detector records it."""
    return (np.abs(np.fft.fftshift(np.fft.fft2(obj))) ** 2).astype(np.float32)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The test's own FFTW wisdom file, seen by this process's children and
    by the cluster's workers."""
    wisdom = tmp_path_factory.mktemp("wisdom") / "fftw-wisdom-float"
    old = os.environ.get("PF_FFTW_WISDOM")
    os.environ["PF_FFTW_WISDOM"] = str(wisdom)
    yield
    if old is None:
        os.environ.pop("PF_FFTW_WISDOM", None)
    else:
        os.environ["PF_FFTW_WISDOM"] = old


@pytest.fixture(scope="module")
def patterns(tmp_path_factory, env, request):
    """12 patterns in 5 formats and 2 shapes (6 NPY, a 3-frame stack, a CXI
    file with a mask, a TIFF, a non-square NPY), and a truncated NPY."""
    rng = seeded_rng(request)
    d = tmp_path_factory.mktemp("patterns")
    for i in range(6):
        np.save(d / f"a{i:02d}.npy", _intensity(_object(rng, (128, 128), (40, 52))))
    np.save(d / "stack.npy", np.stack([_intensity(_object(rng, (128, 128), (48, 48)))
                                      for _ in range(3)]))
    with h5py.File(d / "scan.cxi", "w") as h:
        det = h.create_group("entry_1/instrument_1/detector_1")
        det["data"] = _intensity(_object(rng, (128, 128), (44, 36)))
        mask = np.zeros((128, 128), np.uint32)
        mask[63:66, 63:66] = 1 | 16          # a small beamstop
        det["mask"] = mask
        h["entry_1/data_1/data"] = h5py.SoftLink("/entry_1/instrument_1/detector_1/data")
        h["entry_1/data_1/data_type"] = "intensity"
        h["entry_1/data_1/is_fft_shifted"] = 0
    tifffile.imwrite(d / "t.tif", _intensity(_object(rng, (128, 128), (50, 40))))
    np.save(d / "wide.npy", _intensity(_object(rng, (96, 80), (30, 26))))
    good = np.save(d / "corrupt.npy", _intensity(_object(rng, (128, 128), (40, 40))))
    del good
    raw = (d / "corrupt.npy").read_bytes()
    (d / "corrupt.npy").write_bytes(raw[: len(raw) // 3])   # the header promises more than follows
    inputs = [str(d / "a*.npy"), str(d / "stack.npy"), str(d / "scan.cxi"), str(d / "t.tif"),
              str(d / "wide.npy"), str(d / "corrupt.npy")]
    return d, inputs


REFERENCE = r"""
import json, sys
import numpy as np
import phaseforge as pf
items, recipe, out = json.loads(sys.argv[1])
for i, (path, frame) in enumerate(items):
    try:
        loaded = pf.load_diffraction(path, frame=-1 if frame is None else frame)
    except OSError:
        continue
    r = pf.reconstruct(loaded["magnitude"], mask=loaded["mask"], threads=1, **recipe)
    np.savez(f"{out}/{i}.npz", object=r.object, support=r.support,
             final_errors=np.asarray(r.final_errors, np.float64),
             **{"h_" + k: v for k, v in r.history.items()})
"""


@pytest.fixture(scope="module")
def reference(patterns, tmp_path_factory):
    """The same runs made one by one: a plain loop of load_diffraction and
    reconstruct in a process of its own, one FFTW thread (as each of the 2
    workers has on 2 cores)."""
    _, inputs = patterns
    items = expand_inputs(inputs)
    out = tmp_path_factory.mktemp("reference")
    args = json.dumps([[[it.path, it.frame] for it in items], RECIPE.reconstruct_kwargs(), str(out)])
    subprocess.run([sys.executable, "-c", REFERENCE, args], check=True)
    return {it.output_name: out / f"{i}.npz" for i, it in enumerate(items)
            if (out / f"{i}.npz").exists()}


@pytest.fixture(scope="module")
def client(env):
    with local_cluster(workers=2, gpus=[]) as cluster, Client(cluster) as c:
        c.wait_for_workers(2)
        yield c


def assert_same_as_reference(result_path, reference_path):
    ref = np.load(reference_path)
    with h5py.File(result_path, "r") as h:
        img = h["entry_1/image_1"]
        p = img["process_1"]
        obj = img["data"][()]
        assert obj.dtype == ref["object"].dtype and obj.shape == ref["object"].shape
        assert obj.tobytes() == ref["object"].tobytes(), f"{result_path}: object differs"
        assert np.array_equal(img["support"][()].astype(bool), ref["support"])
        assert p["final_errors"][()].tobytes() == ref["final_errors"].astype(np.float32).tobytes()
        for key in ("iteration", "fourier_error", "real_error", "support_size"):
            assert p["history"][key][()].tobytes() == ref["h_" + key].tobytes(), key


def test_inputs_expand_globs_and_stacks(patterns):
    d, inputs = patterns
    items = expand_inputs(inputs)
    names = [it.output_name for it in items]
    assert names == [f"a{i:02d}.cxi" for i in range(6)] + [
        "stack_f00000.cxi", "stack_f00001.cxi", "stack_f00002.cxi",
        "scan.cxi", "t.cxi", "wide.cxi", "corrupt.cxi"]
    assert [it.frame for it in items if it.path.endswith("stack.npy")] == [0, 1, 2]
    assert [it.output_name for it in expand_inputs([str(d / "stack.npy")], frames="1-2")] == [
        "stack_f00001.cxi", "stack_f00002.cxi"]
    with pytest.raises(FileNotFoundError, match="nothing.*no file matches"):
        expand_inputs([str(d / "nothing*.npy")])
    with pytest.raises(ValueError, match="stack.npy: has 3 frame"):
        expand_inputs([str(d / "stack.npy")], frames="3")


def test_worker_slots_split_the_cores():
    cpu = batch.worker_slots(workers=2, gpus=[], cores=2)
    assert [s["env"][batch.ENV_THREADS] for s in cpu] == ["1", "1"]
    assert all(s["env"]["CUDA_VISIBLE_DEVICES"] == "" for s in cpu)
    assert [s["env"]["OMP_NUM_THREADS"] for s in batch.worker_slots(3, [], cores=16)] == ["5"] * 3
    gpu = batch.worker_slots(gpus=[0, 2, 3], cores=16)
    assert [s["name"] for s in gpu] == ["gpu-0", "gpu-2", "gpu-3"]
    assert [s["env"]["CUDA_VISIBLE_DEVICES"] for s in gpu] == ["0", "2", "3"]
    assert [s["env"][batch.ENV_THREADS] for s in gpu] == ["5", "5", "5"]
    with pytest.raises(ValueError, match="one worker per GPU"):
        batch.worker_slots(workers=2, gpus=[0, 1, 2])


def test_batch_equals_runs_one_by_one_and_reports_the_corrupt_input(patterns, reference, client,
                                                                    tmp_path):
    d, inputs = patterns
    seen = []
    rows = run_batch(inputs, tmp_path, recipe=RECIPE, client=client,
                     on_result=lambda row, done, total: seen.append((done, total)))
    assert seen == [(i, N_VALID + 1) for i in range(1, N_VALID + 2)]
    assert len(reference) == N_VALID
    by_name = {os.path.basename(r["output"]): r for r in rows}
    for name, ref in reference.items():
        row = by_name[name]
        assert row["status"] == "ok", row["error"]
        assert_same_as_reference(tmp_path / name, ref)
        assert row["sha256"] == hashlib.sha256(open(row["input"], "rb").read()).hexdigest()
        assert row["engine"] == "fftw" and row["device"] == "CPU, 1 thread"
        assert float(row["seconds"]) > 0
        assert row["free_error"] == "" and row["resolution"] == ""
        assert float(row["final_error"]) == np.load(ref)["final_errors"][0].astype(np.float32)
    assert len({r["worker"] for r in rows if r["status"] == "ok"}) == 2, "both workers took part"

    bad = by_name["corrupt.cxi"]
    assert bad["status"] == "failed"
    assert bad["error"].startswith(str(d / "corrupt.npy") + ": NPY file is truncated")
    assert "\n" not in bad["error"]
    assert not (tmp_path / "corrupt.cxi").exists()

    table = batch.read_summary(tmp_path / "summary.csv")
    assert list(table[0]) == batch.SUMMARY_COLUMNS
    assert [r["status"] for r in table] == ["ok"] * N_VALID + ["failed"]
    assert table[-1]["error"] == bad["error"]
    assert json.loads(table[0]["parameters"]) == RECIPE.as_dict()
    assert sorted(os.listdir(tmp_path)) == sorted(list(reference) + ["summary.csv"])


def test_resume_skips_what_is_done_and_redoes_what_changed(patterns, client, tmp_path):
    d, _ = patterns
    inputs = [str(d / "a00.npy"), str(d / "a01.npy"), str(d / "a02.npy")]
    for i, _ in enumerate(inputs):   # copies, so that one can be changed
        (tmp_path / f"in{i}.npy").write_bytes(open(inputs[i], "rb").read())
    inputs = [str(tmp_path / f"in{i}.npy") for i in range(3)]
    out = tmp_path / "out"
    first = run_batch(inputs, out, recipe=RECIPE, client=client)
    assert [r["status"] for r in first] == ["ok"] * 3
    stamps = {p: os.stat(out / p).st_mtime_ns for p in ("in0.cxi", "in1.cxi", "in2.cxi")}

    again = run_batch(inputs, out, recipe=RECIPE, client=client)
    assert [r["status"] for r in again] == ["skipped"] * 3
    assert [r["final_error"] for r in again] == [r["final_error"] for r in first]
    assert {p: os.stat(out / p).st_mtime_ns for p in stamps} == stamps, "a skipped result was rewritten"

    np.save(inputs[1], np.load(inputs[1]) * 2)       # new bytes, new SHA-256
    changed = run_batch(inputs, out, recipe=RECIPE, client=client)
    assert [r["status"] for r in changed] == ["skipped", "ok", "skipped"]

    other = Recipe(algorithm="HIO:120,ER:30", starts=1, engine="cpu", seed=7)
    assert [r["status"] for r in run_batch(inputs, out, recipe=other, client=client)] == ["ok"] * 3


class KillOnce(WorkerPlugin):
    """Kills its worker's process (SIGKILL) as the worker starts running the
    task whose key contains ``target``, the first time only."""

    def __init__(self, target, marker):
        self.target, self.marker = target, marker

    def transition(self, key, start, finish, **kwargs):
        if finish != "executing" or self.target not in str(key):
            return
        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_mid_batch_loses_nothing(patterns, reference, env, tmp_path):
    _, inputs = patterns
    marker = tmp_path / "killed"
    out = tmp_path / "out"
    with local_cluster(workers=2, gpus=[]) as cluster, Client(cluster) as c:
        c.wait_for_workers(2)
        pids = set(c.run(os.getpid).values())
        batch.register_worker_plugin(c, KillOnce("phaseforge-reconstruct-4-", str(marker)))
        rows = run_batch(inputs, out, recipe=RECIPE, client=c)
        assert marker.exists(), "no worker was killed"
        assert int(marker.read_text()) in pids
    assert [r["status"] for r in rows] == ["ok"] * N_VALID + ["failed"]
    for name, ref in reference.items():
        assert_same_as_reference(out / name, ref)
    assert all(not temporaries(out, name) for name in reference)


class KillAlways(WorkerPlugin):
    """Kills its worker's process whenever it starts the task ``target``."""

    def __init__(self, target):
        self.target = target

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and self.target in str(key):
            os.kill(os.getpid(), signal.SIGKILL)


def test_an_input_that_kills_every_worker_fails_alone(patterns, env, tmp_path):
    d, _ = patterns
    inputs = [str(d / f"a0{i}.npy") for i in range(6)]
    import dask
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with local_cluster(workers=2, gpus=[]) as cluster, Client(cluster) as c:
            c.wait_for_workers(2)
            batch.register_worker_plugin(c, KillAlways("phaseforge-reconstruct-1-"))
            rows = run_batch(inputs, tmp_path, recipe=RECIPE, client=c)
    # One task at a time per worker: the worker dies with that task alone.
    assert [r["status"] for r in rows] == ["ok", "failed", "ok", "ok", "ok", "ok"]
    assert rows[1]["error"] == f"{inputs[1]}: every worker that ran it died (1 try); see the workers' logs"
    assert sorted(os.listdir(tmp_path)) == ["a00.cxi", "a02.cxi", "a03.cxi", "a04.cxi", "a05.cxi",
                                            "summary.csv"]


def test_gpu_path_one_pinned_worker_per_device(patterns, reference, env, tmp_path):
    """The GPU layout (one worker per device, CUDA_VISIBLE_DEVICES set in the
    worker's environment before phaseforge is imported there), run here with
    the CPU engine so that it runs on any machine."""
    d, _ = patterns
    with local_cluster(gpus=["0", "1"], cores=2) as cluster, Client(cluster) as c:
        c.wait_for_workers(2)
        # (Names spelled out: a reference to the batch module would import it there.)
        seen = c.run(lambda: (os.environ.get("CUDA_VISIBLE_DEVICES"), os.environ.get("PF_BATCH_GPU"),
                              os.environ.get("PF_BATCH_THREADS"), "phaseforge" in sys.modules))
        by_name = {info["name"]: seen[addr] for addr, info in c.scheduler_info()["workers"].items()}
        assert by_name == {"gpu-0": ("0", "0", "1", False), "gpu-1": ("1", "1", "1", False)}
        inputs = [str(d / f"a0{i}.npy") for i in range(4)]
        rows = run_batch(inputs, tmp_path, recipe=RECIPE, client=c)
    for row in rows:
        assert row["status"] == "ok", row["error"]
        assert row["worker"] == "gpu-" + row["gpu"]
        assert_same_as_reference(tmp_path / os.path.basename(row["output"]),
                                 reference[os.path.basename(row["output"])])
    assert {r["gpu"] for r in rows} == {"0", "1"}


@pytest.mark.gpu
def test_one_worker_per_gpu_on_the_gpus(patterns, env, tmp_path):
    """The same layout on this machine's GPUs with the CUDA engine: each worker
    sees its one GPU, and its results equal a run alone on that GPU."""
    d, _ = patterns
    gpus = batch.visible_gpus()
    recipe = Recipe(algorithm="HIO:120,ER:30", starts=1, engine="cuda")
    inputs = [str(d / f"a0{i}.npy") for i in range(4)]
    with local_cluster(gpus=gpus) as cluster, Client(cluster) as c:
        c.wait_for_workers(len(gpus))
        seen = c.run(lambda: (os.environ.get("CUDA_VISIBLE_DEVICES"), "phaseforge" in sys.modules))
        assert sorted(v[0] for v in seen.values()) == sorted(gpus)
        assert not any(v[1] for v in seen.values())
        rows = run_batch(inputs, tmp_path / "out", recipe=recipe, client=c)
    for i, row in enumerate(rows):
        assert row["status"] == "ok", row["error"]
        assert row["engine"].startswith("cuda") and row["gpu"] in gpus
        ref = tmp_path / f"ref{i}"
        ref.mkdir()
        args = json.dumps([[[row["input"], None]], recipe.reconstruct_kwargs(), str(ref)])
        subprocess.run([sys.executable, "-c", REFERENCE, args], check=True,
                       env={**os.environ, "CUDA_VISIBLE_DEVICES": row["gpu"]})
        assert_same_as_reference(tmp_path / "out" / os.path.basename(row["output"]), ref / "0.npz")


def _cli(args):
    """The command in a process group of its own, with Ctrl-C handled as in a
    terminal's foreground (a runner started in the background may have
    passed SIGINT down as ignored)."""
    return subprocess.Popen([sys.executable, "-m", "phaseforge.batch_cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_interrupted_batch_resumes(patterns, reference, env, tmp_path):
    """Ctrl-C (SIGINT to the command's process group, as a terminal sends it)
    after the first result: only complete results remain, no temporary file;
    the same command then skips them and does the rest."""
    _, inputs = patterns
    out = tmp_path / "out"
    args = [*inputs, "--output", str(out), "--workers", "2", "--algorithm", RECIPE.algorithm,
            "--starts", str(RECIPE.starts),
            "--engine", "cpu"]
    p = _cli(args)
    seen = []
    for line in p.stderr:             # wait for the first result
        seen.append(line)
        if line.startswith(f"[1/{N_VALID + 1}] "):
            break
    assert seen and seen[-1].startswith("[1/"), "".join(seen)
    os.killpg(p.pid, signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 130, stdout + stderr
    assert "interrupted:" in stdout
    assert "Traceback" not in stderr, stderr
    left = sorted(os.listdir(out))
    assert all(not n.startswith(".") for n in left), left
    done = [n for n in left if n.endswith(".cxi")]
    assert 1 <= len(done) < N_VALID, left
    for name in done:
        assert_same_as_reference(out / name, reference[name])
    table = batch.read_summary(out / "summary.csv")
    # A result written by a worker whose row the command had not yet received
    # is found on disk and listed too.
    assert sorted(os.path.basename(r["output"]) for r in table if r["status"] == "ok") == done

    p = _cli(args)
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode == 6, stdout + stderr      # the corrupt input failed, the rest is done
    table = batch.read_summary(out / "summary.csv")
    status = {os.path.basename(r["output"]): r["status"] for r in table}
    assert {n for n, s in status.items() if s == "skipped"} == set(done)
    assert {n for n, s in status.items() if s == "ok"} == set(reference) - set(done)
    assert status["corrupt.cxi"] == "failed"
    for name, ref in reference.items():
        assert_same_as_reference(out / name, ref)
    assert f"{N_VALID + 1} of {N_VALID + 1} pattern(s) done" in stdout
    assert "failed: " + str(patterns[0] / "corrupt.npy") + ": NPY file is truncated" in stdout


def test_a_failed_write_leaves_nothing_and_keeps_the_old_result(tmp_path):
    from phaseforge.batch_files import write_atomic
    target = tmp_path / "r.cxi"
    target.write_bytes(b"old result")

    def half_then_fail(tmp):
        with open(tmp, "wb") as f:
            f.write(b"half of a new res")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(str(target), half_then_fail)
    assert target.read_bytes() == b"old result"
    assert sorted(os.listdir(tmp_path)) == ["r.cxi"]

    write_atomic(str(target), lambda tmp: open(tmp, "wb").write(b"new result"))
    assert target.read_bytes() == b"new result"
    assert sorted(os.listdir(tmp_path)) == ["r.cxi"]


def test_command_names_a_missing_input_in_one_line(tmp_path):
    p = subprocess.run([sys.executable, "-m", "phaseforge.batch_cli", str(tmp_path / "scan_*.npy"),
                        "--output", str(tmp_path / "out")], capture_output=True, text=True)
    assert p.returncode == 3
    assert p.stderr == f"phaseforge-batch: {tmp_path / 'scan_*.npy'}: no file matches this pattern\n"
    assert not (tmp_path / "out").exists()


def test_command_refuses_a_bad_recipe_before_any_work(patterns, tmp_path):
    d, _ = patterns
    p = subprocess.run([sys.executable, "-m", "phaseforge.batch_cli", str(d / "a00.npy"),
                        "--output", str(tmp_path / "out"), "--algorithm", "HIO:200,XX:5"],
                       capture_output=True, text=True)
    assert p.returncode == 2, p.stdout + p.stderr
    assert p.stderr.startswith("phaseforge-batch: ") and p.stderr.count("\n") == 1, p.stderr
    assert "XX" in p.stderr
    assert not (tmp_path / "out").exists()
