"""Files of a batch: which inputs a batch holds, and its CXI results.

Inputs are files, globs and the frames of 3-D stacks; each becomes one ``Item``
with the name of its result. A result is written atomically (a temporary file
beside it, flushed to disk, then renamed over the final name), so a result
file under its final name is always complete. Its ``process_1`` group records
where it came from (the input's SHA-256, the frame and the recipe), which is
what a resumed batch compares before it skips an input.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

#: Temporary files of a result being written: ``.NAME.XXXXXXXX.part``.
_TEMP_SUFFIX = ".part"


@dataclass(frozen=True)
class Item:
    """One pattern of a batch: a file (or ``file.h5:/dataset``), a frame of it
    (None: the reader's default), and the name of its result file."""

    path: str
    frame: Optional[int]
    output_name: str

    @property
    def file(self) -> str:
        """The file on disk (without an HDF5 ``:/dataset`` suffix)."""
        return split_dataset(self.path)[0]

    @property
    def label(self) -> str:
        return self.path if self.frame is None else f"{self.path} (frame {self.frame})"


def split_dataset(path: str):
    """``file.h5:/entry/data`` -> (``file.h5``, ``/entry/data``); a plain path -> (path, None)."""
    if not os.path.exists(path):
        m = re.match(r"^(.*?):(/.*)$", path)
        if m and os.path.exists(m.group(1)):
            return m.group(1), m.group(2)
    return path, None


def one_line(err: BaseException, name: str) -> str:
    """An exception as one line that names the input (the readers' messages
    already start with the file's name)."""
    if isinstance(err, OSError) and len(err.args) == 1 and isinstance(err.args[0], str):
        text = err.args[0]   # phaseforge's file errors: the message alone
    else:
        text = str(err)
    text = " ".join(text.split()) or type(err).__name__
    if name not in text and os.path.basename(name) not in text:
        text = f"{name}: {text}"
    return text


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---- inputs --------------------------------------------------------------------

def _frames_in(path: str) -> Optional[int]:
    """How many frames a stack holds (None: a single image, or unknown). The
    reader itself reports anything wrong with the file when the task runs."""
    file, dataset = split_dataset(path)
    try:
        with open(file, "rb") as f:
            head = f.read(8)
        if head.startswith(b"\x93NUMPY"):
            shape = np.load(file, mmap_mode="r").shape
            return shape[0] if len(shape) == 3 else None
        if head.startswith(b"\x89HDF\r\n\x1a\n"):
            import h5py
            with h5py.File(file, "r") as h:
                if dataset is None:
                    for name in sorted((k for k in h if re.fullmatch(r"entry_\d+", k)),
                                       key=lambda k: int(k.split("_")[1])):
                        for sub in ("data_1/data", "image_1/data", "instrument_1/detector_1/data"):
                            if sub in h[name]:
                                dataset = f"/{name}/{sub}"
                                break
                        if dataset:
                            break
                if dataset is None or dataset not in h:
                    return None
                shape = h[dataset].shape
                return shape[0] if len(shape) == 3 else None
        if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
            import tifffile
            with tifffile.TiffFile(file) as t:
                n = len(t.pages)
                return n if n > 1 else None
    except Exception:
        return None
    return None


def _parse_frames(spec: str, count: int, path: str):
    if spec == "all":
        return list(range(count))
    frames = []
    for part in spec.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m:
            raise ValueError(f"--frames: cannot read '{spec}' (expected all, N, N-M or a list)")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        frames.extend(range(lo, hi + 1))
    bad = [f for f in frames if f >= count]
    if bad:
        raise ValueError(f"{path}: has {count} frame(s); frame {bad[0]} does not exist")
    return frames


def expand_inputs(inputs: Iterable[str], frames: Optional[str] = None):
    """Files, globs and stacks -> a list of ``Item``.

    A glob that matches nothing, or a plain path that does not exist, is an
    error naming it. ``frames`` ("all", "3", "0-9", "0,2,5") picks frames of
    every 3-D stack; without it a stack gives its whole depth as frames too
    (a 2-D image is one item either way).
    """
    paths = []
    for spec in inputs:
        spec = os.fspath(spec)
        if any(c in spec for c in "*?[") and not os.path.exists(spec):
            hits = sorted(glob.glob(spec))
            if not hits:
                raise FileNotFoundError(f"{spec}: no file matches this pattern")
            paths.extend(hits)
        else:
            if not os.path.exists(split_dataset(spec)[0]):
                raise FileNotFoundError(f"{spec}: no such file")
            paths.append(spec)
    items = []
    for path in paths:
        stem = os.path.splitext(os.path.basename(split_dataset(path)[0]))[0]
        dataset = split_dataset(path)[1]
        if dataset:
            stem += "_" + re.sub(r"[^A-Za-z0-9]+", "_", dataset).strip("_")
        count = _frames_in(path)
        if count is None:
            if frames not in (None, "all"):
                raise ValueError(f"{path}: is not a stack of frames; --frames {frames} does not apply")
            items.append(Item(path, None, stem + ".cxi"))
            continue
        for f in _parse_frames(frames or "all", count, path):
            items.append(Item(path, f, f"{stem}_f{f:05d}.cxi"))
    seen = {}
    for it in items:
        if it.output_name in seen:
            raise ValueError(f"{it.label} and {seen[it.output_name].label} would both write "
                             f"{it.output_name}: give them different names")
        seen[it.output_name] = it
    return items


# ---- results -------------------------------------------------------------------

def temporaries(output_dir: str, name: str):
    """Temporary files of result ``name`` left in ``output_dir`` by a write
    that never finished (a killed worker, Ctrl-C)."""
    prefix = "." + name + "."
    try:
        entries = os.listdir(output_dir)
    except OSError:
        return []
    return [os.path.join(output_dir, e) for e in entries
            if e.startswith(prefix) and e.endswith(_TEMP_SUFFIX)]


def remove_temporaries(output_dir: str, names: Iterable[str]) -> int:
    removed = 0
    for name in names:
        for path in temporaries(output_dir, name):
            try:
                os.unlink(path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def _umask() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def write_atomic(path: str, write):
    """Calls ``write(tmp_path)`` on a temporary file beside ``path``, flushes
    it to disk and renames it to ``path``. On any failure (or interruption) the
    temporary is removed and an existing ``path`` is left as it was."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                               suffix=_TEMP_SUFFIX, dir=folder)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_umask())   # as an ordinary new file, not mkstemp's 0600
        write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def write_result(path: str, result, magnitude, mask, provenance: dict):
    """Writes a reconstruction as a CXI file, atomically, in the layout of
    ``phaseforge-cli reconstruct`` (docs/files.md) plus the batch's provenance
    in ``/entry_1/image_1/process_1``."""
    import h5py

    from . import __version__

    params = dict(result.parameters)

    def write(tmp):
        with h5py.File(tmp, "w") as h:
            h["cxi_version"] = np.int32(160)
            e = h.create_group("entry_1")
            e["program_name"] = f"PhaseForge {__version__}"
            img = e.create_group("image_1")
            img["data"] = np.asarray(result.object, np.float32)
            img["data_space"] = "real"
            img["data_type"] = "amplitude"
            img["is_fft_shifted"] = np.int32(0)
            img["support"] = np.asarray(result.support, np.uint8)
            d1 = e.create_group("data_1")
            d1["data"] = h5py.SoftLink("/entry_1/image_1/data")
            p = img.create_group("process_1")
            p["program"] = "PhaseForge"
            p["version"] = __version__
            p["engine"] = str(params.get("engine", ""))
            p["device"] = str(params.get("device", ""))
            p["schedule"] = str(params.get("schedule", ""))
            p["beta"] = float(params.get("beta", np.nan))
            if params.get("seed") is not None:
                p["seed"] = np.uint64(params["seed"])
            p["starts"] = np.int32(params.get("starts", len(result.final_errors)))
            p["best_start"] = np.int32(result.best_start)
            p["iterations"] = np.int64(result.iterations)
            p["initial_guess"] = str(params.get("initial_guess", ""))
            p["initial_support"] = str(params.get("initial_support", ""))
            p["metrics_every"] = np.int32(params.get("metrics_every", 1))
            p["shrink_wrap_enabled"] = np.uint8(bool(params.get("shrink_wrap", False)))
            p["final_errors"] = np.asarray(result.final_errors, np.float32)
            hist = p.create_group("history")
            for key in ("iteration", "fourier_error", "real_error", "support_size"):
                hist[key] = np.asarray(result.history[key])
            for key, value in provenance.items():
                if value is None:
                    continue
                p[key] = value if not isinstance(value, (dict, list)) else json.dumps(value, sort_keys=True)
            pat = e.create_group("image_2")
            pat["data"] = np.asarray(magnitude, np.float32)
            pat["data_space"] = "diffraction"
            pat["data_type"] = "amplitude"
            pat["is_fft_shifted"] = np.int32(1)
            m = np.where(np.asarray(mask, bool), 0, 1 | 16).astype(np.uint32)
            pat["mask"] = m

    write_atomic(path, write)


def _text(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    return value


def read_provenance(path: str) -> Optional[dict]:
    """What a result file says about its making (None: no such file, or not
    one of ours). Used to skip inputs already done."""
    if not os.path.exists(path):
        return None
    try:
        import h5py
        with h5py.File(path, "r") as h:
            p = h["entry_1/image_1/process_1"]
            out = {k: _text(p[k][()]) for k in p if isinstance(p[k], h5py.Dataset)}
            out["final_errors"] = [float(x) for x in p["final_errors"][()]]
            return out
    except Exception:
        return None
