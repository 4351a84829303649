"""Batch reconstruction of many patterns on dask.distributed.

One recipe is mapped over many inputs (files, globs, frames of 3-D stacks).
Each task loads its pattern, reconstructs it and writes its CXI result
atomically; a summary table (CSV) is rewritten as results arrive.

    from phaseforge.batch import Recipe, run_batch
    summary = run_batch(["scans/*.npy"], "out", recipe=Recipe(starts=4), workers=2)

With no client and no scheduler address, a local cluster is started: one
worker per GPU (each pinned to its device through ``CUDA_VISIBLE_DEVICES`` in
the worker's environment), or CPU workers that split the cores between them
(each worker runs one task at a time with ``cores // workers`` FFTW threads).
``docs/batch.md`` has the whole story: resuming, failures, SLURM, GPUs.
"""
from __future__ import annotations

import contextlib
import copy
import csv
import fcntl
import inspect
import io
import json
import logging
import os
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Callable, Iterable, Optional, Sequence

from .batch_files import (Item, expand_inputs, one_line, read_provenance, remove_temporaries,
                          sha256_file, write_atomic, write_result)

__all__ = ["Recipe", "Item", "BatchInterrupted", "expand_inputs", "local_cluster",
           "reconstruct_item", "run_batch", "SUMMARY_COLUMNS", "read_summary"]

#: Environment a local cluster gives its workers (read by the task).
ENV_THREADS = "PF_BATCH_THREADS"   # FFTW threads of this worker
ENV_GPU = "PF_BATCH_GPU"           # the GPU this worker is pinned to (its id on the host)

#: Seconds between two rewrites of the summary table while results arrive.
SUMMARY_EVERY = 1.0

SUMMARY_COLUMNS = ["input", "frame", "output", "status", "error", "sha256", "parameters",
                   "final_error", "final_errors", "free_error", "resolution", "engine",
                   "device", "gpu", "worker", "seconds"]


@dataclass(frozen=True)
class Recipe:
    """The parameters every pattern of a batch is reconstructed with.

    algorithm/iterations/beta/seed/starts/shrink_wrap/metrics_every/engine are
    those of ``phaseforge.reconstruct``, and None leaves each to the default
    recipe (docs/algorithms.md), as the app and the CLI do; ``support`` is
    "auto" (the recipe's automatic support) or "none"; ``kind`` and
    ``centring`` are passed to ``load_diffraction`` (None: from the file, or the
    reader's rule). The seed is fixed (not drawn) so that a batch can be
    replayed and resumed.
    """

    algorithm: Optional[str] = None
    iterations: Optional[int] = None
    beta: float = 0.9
    seed: int = 0
    starts: Optional[int] = None
    support: str = "auto"
    shrink_wrap: Optional[bool] = None
    metrics_every: int = 1
    engine: str = "auto"
    kind: Optional[str] = None
    centring: Optional[str] = None

    def __post_init__(self):
        if self.support not in ("auto", "none"):
            raise ValueError(f"support: expected 'auto' or 'none', got '{self.support}'")

    def as_dict(self) -> dict:
        return asdict(self)

    def key(self) -> str:
        """The recipe as canonical JSON: what 'the same parameters' means."""
        return json.dumps(self.as_dict(), sort_keys=True)

    def check(self):
        """Raises ValueError (naming the parameter) for a recipe that
        ``reconstruct`` would refuse, before any work is sent out: the recipe
        runs here on a 32 x 32 pattern, on the CPU engine."""
        import numpy as np

        import phaseforge
        obj = np.zeros((32, 32))
        obj[12:20, 12:20] = 1.0
        kw = self.reconstruct_kwargs()
        kw["engine"] = "cpu"
        phaseforge.reconstruct(np.abs(np.fft.fft2(obj)).astype(np.float32), threads=1, **kw)
        for name, allowed in (("kind", ("intensity", "amplitude")),
                              ("centring", ("centred", "fft-shifted"))):
            if getattr(self, name) not in (None,) + allowed:
                raise ValueError(f"{name}: expected one of {', '.join(allowed)} or None")
        if self.engine not in ("auto", "cuda", "cpu", "fftw"):
            raise ValueError(f"engine: expected 'auto', 'cuda' or 'cpu', got '{self.engine}'")

    def reconstruct_kwargs(self) -> dict:
        kw = dict(beta=self.beta, seed=self.seed, engine=self.engine,
                  metrics_every=self.metrics_every,
                  initial_support="auto" if self.support == "auto" else "problem")
        for name in ("algorithm", "iterations", "starts", "shrink_wrap"):
            if getattr(self, name) is not None:
                kw[name] = getattr(self, name)
        return kw


class BatchInterrupted(Exception):
    """Ctrl-C during ``run_batch``; ``rows`` holds what was finished."""

    def __init__(self, rows):
        super().__init__("batch interrupted")
        self.rows = rows


# ---- on a worker ------------------------------------------------------------------

def _worker_threads() -> int:
    value = os.environ.get(ENV_THREADS)
    if value:
        return max(1, int(value))
    cores = len(os.sched_getaffinity(0))
    try:
        from distributed import get_worker
        return max(1, cores // max(1, get_worker().state.nthreads))
    except Exception:
        return cores


def _worker_name() -> str:
    try:
        from distributed import get_worker
        return str(get_worker().name)
    except Exception:
        return ""


def _device_kwargs(engine: str) -> dict:
    """A device index for reconstruct() where the module takes one (not yet:
    the environment pinning does the work alone). A pinned worker sees its
    one GPU as device 0."""
    import phaseforge
    if (engine not in ("cpu", "fftw") and os.environ.get(ENV_GPU)
            and "device" in inspect.signature(phaseforge.reconstruct).parameters):
        return {"device": 0}
    return {}


@contextlib.contextmanager
def _wisdom_lock():
    """An exclusive lock on a file beside FFTW's wisdom file (the path rule of
    core/src/fftw_util.cpp); none when there is no wisdom file or the folder
    cannot be written (planning then goes on unlocked)."""
    path = os.environ.get("PF_FFTW_WISDOM")
    if path is None:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(cache, "phaseforge", "fftw-wisdom-float")
    f = None
    if path:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            f = open(path + ".lock", "a")
            fcntl.flock(f, fcntl.LOCK_EX)
        except OSError:
            if f:
                f.close()
            f = None
    try:
        yield
    finally:
        if f:
            fcntl.flock(f, fcntl.LOCK_UN)
            f.close()


def warm_plans(shapes: Sequence[tuple], engine: str = "auto") -> list:
    """Plans the FFTW transforms of every shape in this process, one process
    at a time (a file lock beside FFTW's wisdom file).

    FFTW_MEASURE picks algorithms by timing them, and a process reads the
    wisdom file only before its first plan; two workers planning the same
    shape at once could pick different algorithms and give different last
    bits. Planning every shape of the batch here, before any task, under one
    lock, makes every worker use the algorithms the first one measured (and
    those of any earlier run on this machine): the same bits as a run made
    alone.
    """
    import numpy as np

    import phaseforge
    threads = _worker_threads()
    planned = []
    with _wisdom_lock():
        for shape in shapes:
            try:
                phaseforge.reconstruct(np.ones(tuple(shape), np.float32), recipe=None,
                                       algorithm="ER", iterations=1, seed=0, engine=engine, threads=threads,
                                       **_device_kwargs(engine))
                planned.append(list(shape))
            except Exception:   # e.g. no GPU for engine="cuda": each task will say so
                pass
    return planned


def _stored_row(item: Item, out: str, prov: dict) -> dict:
    errors = prov.get("final_errors") or []
    best = prov.get("best_start")
    return dict(final_error=errors[int(best)] if errors and best is not None else "",
                final_errors=";".join(repr(float(e)) for e in errors),
                free_error=prov.get("free_error", ""), resolution=prov.get("resolution", ""),
                engine=prov.get("engine", ""), device=prov.get("device", ""),
                gpu=prov.get("gpu", ""), worker=prov.get("worker", ""),
                seconds=prov.get("seconds", ""))


def _matches(prov: Optional[dict], sha: str, item: Item, recipe_key: str) -> bool:
    if not prov:
        return False
    frame = prov.get("frame")
    return (prov.get("input_sha256") == sha and prov.get("recipe") == recipe_key
            and (-1 if item.frame is None else item.frame) == (-1 if frame is None else int(frame)))


def inspect_item(item: Item, output_dir: str, recipe: Recipe) -> dict:
    """First pass of a batch, on a worker: is the item done already (same
    input hash, frame and recipe)? If not, the shape of its pattern (for
    ``warm_plans``); None when it cannot be read (the task will say why)."""
    out = os.path.join(output_dir, item.output_name)
    try:
        sha = sha256_file(item.file)
    except OSError:
        return {"done": False, "shape": None}
    if _matches(read_provenance(out), sha, item, recipe.key()):
        return {"done": True, "shape": None}
    try:
        import phaseforge
        loaded = phaseforge.load_diffraction(item.path, frame=-1 if item.frame is None else item.frame,
                                             kind=recipe.kind, centring=recipe.centring)
        return {"done": False, "shape": tuple(loaded["magnitude"].shape)}
    except Exception:
        return {"done": False, "shape": None}


def reconstruct_item(item: Item, output_dir: str, recipe: Recipe, run: str = "") -> dict:
    """One task: hash, skip if done, load, reconstruct, write the CXI result
    atomically. Returns the summary row. A bad input gives a row with status
    "failed" and its one-line error; only a dying process escapes (and the
    scheduler retries the task on another worker).

    ``run`` names the batch run: a result already written by this same run
    (its worker died after writing it, before the scheduler had its row) is
    reported as done by this run ("ok"), not as "skipped"."""
    t0 = time.perf_counter()
    out = os.path.join(output_dir, item.output_name)
    row = dict(input=item.path, frame="" if item.frame is None else item.frame,
               output=out, status="failed", error="", sha256="", parameters=recipe.key(),
               final_error="", final_errors="", free_error="", resolution="", engine="",
               device="", gpu=os.environ.get(ENV_GPU, ""), worker=_worker_name(), seconds="")
    try:
        row["sha256"] = sha = sha256_file(item.file)
        prov = read_provenance(out)
        if _matches(prov, sha, item, recipe.key()):
            row.update(_stored_row(item, out, prov),
                       status="ok" if run and prov.get("run") == run else "skipped")
            return row
        import phaseforge
        loaded = phaseforge.load_diffraction(item.path, frame=-1 if item.frame is None else item.frame,
                                             kind=recipe.kind, centring=recipe.centring)
        threads = _worker_threads()
        result = phaseforge.reconstruct(loaded["magnitude"], mask=loaded["mask"], threads=threads,
                                        **recipe.reconstruct_kwargs(), **_device_kwargs(recipe.engine))
        seconds = time.perf_counter() - t0
        params = result.parameters
        free = getattr(result, "free_error", None)
        resolution = getattr(result, "resolution", None)
        write_result(out, result, loaded["magnitude"], loaded["mask"], dict(
            input_file=item.path, input_sha256=sha,
            frame=-1 if item.frame is None else item.frame, recipe=recipe.key(),
            command="phaseforge.batch", run=run or None, threads=threads, worker=row["worker"],
            gpu=row["gpu"] or None, seconds=seconds,
            free_error=None if free is None else float(free),
            resolution=None if resolution is None else float(resolution)))
        errors = [float(e) for e in result.final_errors]
        row.update(status="ok", final_error=errors[result.best_start],
                   final_errors=";".join(repr(e) for e in errors),
                   free_error="" if free is None else float(free),
                   resolution="" if resolution is None else float(resolution),
                   engine=params.get("engine", ""), device=params.get("device", ""),
                   seconds=round(seconds, 6))
    except Exception as err:  # one input's failure is its own row, never the batch's
        row.update(status="failed", error=one_line(err, item.path),
                   seconds=round(time.perf_counter() - t0, 6))
    return row


# ---- the cluster ---------------------------------------------------------------------

def visible_gpus() -> list:
    """The GPUs of this machine that a local cluster uses: the ids in
    ``CUDA_VISIBLE_DEVICES`` when set, else those ``nvidia-smi`` lists, and
    none when phaseforge cannot use CUDA here."""
    import phaseforge
    if not (phaseforge.cuda_built() and phaseforge.cuda_available()):
        return []
    env = os.environ.get("CUDA_VISIBLE_DEVICES")
    if env is not None:
        return [d.strip() for d in env.split(",") if d.strip() and d.strip() != "-1"]
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        return [line.strip() for line in out.splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError):
        return ["0"]


def worker_slots(workers: Optional[int] = None, gpus: Optional[Sequence] = None,
                 cores: Optional[int] = None) -> list:
    """What each worker of a local cluster gets: a name and its environment.

    With GPUs: one worker per GPU, ``CUDA_VISIBLE_DEVICES`` set to that GPU
    alone and the host's cores split between them for the host-side work.
    Without: ``workers`` CPU workers (default: one per core), each with
    ``cores // workers`` FFTW (and OpenMP) threads, so that the workers
    together never run more threads than there are cores.
    """
    cores = cores or len(os.sched_getaffinity(0))
    if gpus:
        gpus = [str(g) for g in gpus]
        if workers not in (None, len(gpus)):
            raise ValueError(f"workers: {workers} asked for, but a GPU batch runs one worker "
                             f"per GPU ({len(gpus)})")
        threads = max(1, cores // len(gpus))
        return [dict(name=f"gpu-{g}", env={"CUDA_VISIBLE_DEVICES": g, ENV_GPU: g,
                                           ENV_THREADS: str(threads),
                                           "OMP_NUM_THREADS": str(threads)})
                for g in gpus]
    workers = workers or cores
    if workers < 1:
        raise ValueError(f"workers: must be at least 1, got {workers}")
    threads = max(1, cores // workers)
    return [dict(name=f"cpu-{i}", env={"CUDA_VISIBLE_DEVICES": "", ENV_THREADS: str(threads),
                                       "OMP_NUM_THREADS": str(threads)})
            for i in range(workers)]


def local_cluster(workers: Optional[int] = None, gpus: Optional[Sequence] = None,
                  cores: Optional[int] = None, **kwargs):
    """A dask.distributed ``LocalCluster`` whose workers follow ``worker_slots``.

    Each worker is its own process (started by a nanny, which restarts it if
    it dies) running one task at a time; its environment (``CUDA_VISIBLE_DEVICES``,
    thread counts) is given to the nanny, which sets it in the worker process
    before the worker starts and before any task is received. ``gpus=None``
    uses every GPU phaseforge can use here, ``gpus=[]`` none.
    """
    import dask
    from distributed import LocalCluster, Nanny

    if gpus is None:
        gpus = visible_gpus()
    slots = worker_slots(workers, gpus, cores)

    class PinnedCluster(LocalCluster):
        """A LocalCluster whose workers each get their own environment."""

        def new_worker_spec(self):
            taken = set(self.worker_spec)
            for slot in slots:
                if slot["name"] not in taken:
                    spec = copy.deepcopy(self.new_spec)
                    spec["options"]["env"] = dict(slot["env"])
                    spec["options"]["name"] = slot["name"]
                    return {slot["name"]: spec}
            raise ValueError(f"this cluster has {len(slots)} worker slots, all in use")

    options = dict(n_workers=0, threads_per_worker=1, processes=True, worker_class=Nanny,
                   dashboard_address=":0", silence_logs=logging.ERROR)
    options.update(kwargs)
    # A worker is handed one task at a time (dask's default hands it 1.1 per
    # thread, rounded up: 2): a pattern never waits behind another on a busy
    # worker while one is idle, and a dying worker takes only the task it runs.
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
        cluster = PinnedCluster(**options)
    cluster.scale(len(slots))
    return cluster


def _quiet_dask_logs():
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


def register_worker_plugin(client, plugin):
    """``Client.register_plugin`` (dask 2023.9 on), else the older
    ``register_worker_plugin`` (Debian 12 has dask 2022.12)."""
    if hasattr(client, "register_plugin"):
        return client.register_plugin(plugin)
    return client.register_worker_plugin(plugin)


def _ignore_interrupts_plugin():
    from distributed.diagnostics.plugin import WorkerPlugin

    class IgnoreInterrupt(WorkerPlugin):
        """Ctrl-C in a terminal reaches every process of the command; the
        workers of a local cluster leave it to the command, which cancels
        the batch and closes them (one clean stop, no tracebacks)."""

        name = "phaseforge-ignore-sigint"

        def setup(self, worker):
            import signal
            import threading
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, signal.SIG_IGN)

    return IgnoreInterrupt()


# ---- the batch -----------------------------------------------------------------------

def _write_summary(path: str, rows: list):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: row.get(k, "") for k in SUMMARY_COLUMNS})
    data = buf.getvalue()

    def write(tmp):
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(data)

    write_atomic(path, write)


def read_summary(path: str) -> list:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _killed_row(item: Item, output_dir: str, recipe: Recipe, err: BaseException) -> dict:
    """The row of a task that never returned one: dask gave up on it."""
    if type(err).__name__ == "KilledWorker":
        import dask
        tries = dask.config.get("distributed.scheduler.allowed-failures", 3) + 1
        message = (f"{item.path}: every worker that ran it died ({tries} "
                   f"{'try' if tries == 1 else 'tries'}); see the workers' logs")
    else:
        message = one_line(err, item.path)
    return dict(input=item.path, frame="" if item.frame is None else item.frame,
                output=os.path.join(output_dir, item.output_name), status="failed",
                error=message, parameters=recipe.key())


def run_batch(inputs: Iterable, output_dir: str, *, recipe: Optional[Recipe] = None,
              frames: Optional[str] = None, client=None, scheduler: Optional[str] = None,
              workers: Optional[int] = None, gpus: Optional[Sequence] = None,
              summary: str = "summary.csv",
              on_result: Optional[Callable[[dict, int, int], None]] = None) -> list:
    """Reconstructs every input with one recipe; returns the summary rows
    (in input order) and writes them to ``output_dir/summary``.

    inputs: paths, globs, or ``Item``s. frames: which frames of 3-D stacks
    ("all" by default). client: a ``distributed.Client`` to use; else
    ``scheduler`` (an address such as tcp://host:8786); else a local cluster
    of ``workers`` CPU workers or one worker per GPU (``gpus``).
    on_result(row, done, total) is called as each result arrives.

    Inputs already done (a result with the same input SHA-256, frame and
    recipe) are skipped. Ctrl-C cancels the batch, removes any half-written
    temporary and raises ``BatchInterrupted`` with the rows finished so far.
    """
    from distributed import Client, as_completed

    recipe = recipe or Recipe()
    recipe.check()
    inputs = list(inputs)
    items = [x for x in inputs if isinstance(x, Item)]
    paths = [x for x in inputs if not isinstance(x, Item)]
    if paths:
        items += expand_inputs(paths, frames)
    output_dir = os.path.abspath(output_dir)
    for it in items:
        if os.path.abspath(it.file) == os.path.join(output_dir, it.output_name):
            raise ValueError(f"{it.path}: its result would replace it; choose another output folder")
    os.makedirs(output_dir, exist_ok=True)
    summary_path = os.path.join(output_dir, summary)
    names = [it.output_name for it in items]
    remove_temporaries(output_dir, names)   # left by an earlier run that was killed

    rows: dict = {}
    run = ""
    own_cluster = False
    stack = contextlib.ExitStack()
    futures = []
    try:
        if client is None:
            if scheduler:
                client = stack.enter_context(Client(scheduler))
            else:
                if gpus is None and recipe.engine in ("cpu", "fftw"):
                    gpus = []   # the CPU engine: CPU workers, whatever GPUs there are
                cluster = stack.enter_context(local_cluster(workers, gpus))
                own_cluster = True
                client = stack.enter_context(Client(cluster))
                client.wait_for_workers(len(cluster.worker_spec))
                register_worker_plugin(client, _ignore_interrupts_plugin())
        token = uuid.uuid4().hex[:8]
        run = uuid.uuid4().hex
        # Pass 1: what is done, and the shapes to plan before any reconstruction.
        probes = client.map(inspect_item, items, output_dir=output_dir, recipe=recipe,
                            key=[f"phaseforge-inspect-{i}-{token}" for i in range(len(items))],
                            pure=False)
        futures = probes
        shapes = set()
        for probe in client.gather(probes, errors="skip"):
            if probe.get("shape"):
                shapes.add(tuple(probe["shape"]))
        if shapes:
            client.run(warm_plans, sorted(shapes), recipe.engine)
        # Pass 2: the reconstructions (a done item is seen again and skipped).
        futures = client.map(reconstruct_item, items, output_dir=output_dir, recipe=recipe,
                             run=run,
                             key=[f"phaseforge-reconstruct-{i}-{token}" for i in range(len(items))],
                             pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        written = 0.0
        for future in as_completed(futures):
            i = index[future.key]
            try:
                row = future.result()
            except Exception as err:  # the task's worker died too often (KilledWorker)
                row = _killed_row(items[i], output_dir, recipe, err)
            rows[i] = row
            # The table is rewritten as results arrive, at most every
            # SUMMARY_EVERY seconds (each rewrite is a whole file, flushed to
            # disk), and once more at the end.
            if time.monotonic() - written >= SUMMARY_EVERY and len(rows) < len(items):
                _write_summary(summary_path, [rows[k] for k in sorted(rows)])
                written = time.monotonic()
            if on_result:
                on_result(row, len(rows), len(items))
        _write_summary(summary_path, [rows[k] for k in sorted(rows)])
    except KeyboardInterrupt:
        with contextlib.suppress(BaseException):
            if client is not None and futures:
                client.cancel(futures)
        if own_cluster:
            # Closing a cluster under a running task can make its workers log
            # a failed heartbeat with a traceback: noise after a Ctrl-C.
            with contextlib.suppress(BaseException):
                client.run(_quiet_dask_logs)
            level = logging.getLogger("distributed").level
            _quiet_dask_logs()
        with contextlib.suppress(BaseException):
            stack.close()
        if own_cluster:
            logging.getLogger("distributed").setLevel(level)
        remove_temporaries(output_dir, names)
        for i, item in enumerate(items):   # written by a worker before its row came back
            if i not in rows and run:
                with contextlib.suppress(Exception):
                    out = os.path.join(output_dir, item.output_name)
                    prov = read_provenance(out)
                    if prov and prov.get("run") == run:
                        rows[i] = dict(input=item.path, frame="" if item.frame is None else item.frame,
                                       output=out, status="ok", error="",
                                       sha256=prov.get("input_sha256", ""),
                                       parameters=recipe.key(), **_stored_row(item, out, prov))
        done = [rows[k] for k in sorted(rows)]
        with contextlib.suppress(BaseException):
            _write_summary(summary_path, done)
        raise BatchInterrupted(done) from None
    finally:
        with contextlib.suppress(BaseException):
            stack.close()
    remove_temporaries(output_dir, names)   # a worker killed while writing
    return [rows[k] for k in sorted(rows)]
