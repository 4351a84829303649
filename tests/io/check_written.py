#!/usr/bin/python3
"""Checks files written by PhaseForge with other tools (PIL, tifffile, h5py,
hashlib). Called by tests/io/tst_io_write.cpp; exits non-zero with a message
on the first mismatch.

usage: check_written.py KIND FILE [ARGS...]
  ramp-png8 / ramp-png16 / ramp-tiff-u8 / ramp-tiff-u16 / ramp-tiff-f32 FILE ROWS COLS
  result FILE INPUT ITERATIONS BEST_START HISTORY_LEN SCHEDULE OBJECT_SUM
  pattern FILE ROWS COLS UNMEASURED
  sha256 FILE HEX
"""
import hashlib
import sys

import h5py
import numpy as np
import tifffile
from PIL import Image


def ramp(rows, cols):
    """The test image of tst_io_write.cpp, computed independently in float32."""
    r, c = np.mgrid[:rows, :cols].astype(np.float32)
    return (np.sin(np.float32(0.1) * r) * np.cos(np.float32(0.07) * c) + np.float32(0.01) * r).astype(np.float32)


def scaled(img, top):
    lo, hi = float(img.min()), float(img.max())
    return np.round((img.astype(np.float64) - lo) * (top / (hi - lo)))


def fail(msg):
    print("check_written.py:", msg)
    sys.exit(1)


kind, path = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
if kind.startswith("ramp-"):
    rows, cols = int(args[0]), int(args[1])
    want = ramp(rows, cols)
    if kind == "ramp-tiff-f32":
        got = tifffile.imread(path)
        if got.dtype != np.float32 or got.shape != (rows, cols):
            fail(f"tiff f32: dtype {got.dtype} shape {got.shape}")
        if not np.allclose(got, want, rtol=0, atol=1e-6):
            fail("tiff f32 values differ")
        if not np.array_equal(np.asarray(Image.open(path)), got):
            fail("PIL and tifffile disagree on the float TIFF")
    else:
        if kind == "ramp-png8":
            got, top, dtype = np.asarray(Image.open(path)), 255.0, np.uint8
        elif kind == "ramp-png16":
            im = Image.open(path)
            got, top, dtype = np.asarray(im).astype(np.uint16), 65535.0, np.uint16
            if im.mode not in ("I;16", "I;16B", "I"):
                fail(f"16-bit PNG opened in mode {im.mode}")
        elif kind == "ramp-tiff-u8":
            got, top, dtype = tifffile.imread(path), 255.0, np.uint8
            if got.dtype != np.uint8:
                fail(f"tiff u8 dtype {got.dtype}")
            if not np.array_equal(np.asarray(Image.open(path)), got):
                fail("PIL and tifffile disagree on the 8-bit TIFF")
        else:
            got, top, dtype = tifffile.imread(path), 65535.0, np.uint16
            if got.dtype != np.uint16:
                fail(f"tiff u16 dtype {got.dtype}")
        if got.shape != (rows, cols):
            fail(f"shape {got.shape}")
        if np.abs(got.astype(np.float64) - scaled(want, top)).max() > 1:
            fail(f"{kind}: values differ by more than one step")
elif kind == "result":
    inp, iterations, best, nhist, schedule, objsum = args[0], int(args[1]), int(args[2]), int(args[3]), args[4], float(args[5])
    with h5py.File(path, "r") as f:
        if int(f["cxi_version"][()]) < 140:
            fail("cxi_version")
        obj = f["entry_1/data_1/data"][()]
        if not np.array_equal(obj, f["entry_1/image_1/data"][()]):
            fail("data_1/data does not lead to image_1/data")
        if abs(float(obj.astype(np.float64).sum()) - objsum) > 1e-3 * max(1.0, abs(objsum)):
            fail(f"object sum {obj.sum()} != {objsum}")
        p = f["entry_1/image_1/process_1"]
        if p["iterations"][()] != iterations or p["best_start"][()] != best:
            fail("iterations/best_start")
        if p["schedule"][()].decode() != schedule:
            fail("schedule " + p["schedule"][()].decode())
        if p["input_sha256"][()].decode() != hashlib.sha256(open(inp, "rb").read()).hexdigest():
            fail("input_sha256 differs from hashlib's")
        if p["input_file"][()].decode() != inp:
            fail("input_file")
        h = p["history"]
        for k in ("iteration", "fourier_error", "real_error", "support_size"):
            if h[k].shape != (nhist,):
                fail(f"history/{k} shape {h[k].shape}")
        if f["entry_1/image_1/data_space"][()].decode() != "real":
            fail("data_space")
        if f["entry_1/image_1/support"].shape != obj.shape or f["entry_1/image_2/mask"].shape != obj.shape:
            fail("support/mask shape")
        for k in ("engine", "device", "version", "beta", "seed", "starts", "initial_support",
                  "shrink_wrap_enabled", "final_errors"):
            if k not in p:
                fail("process_1 lacks " + k)
elif kind == "pattern":
    rows, cols, unmeasured = int(args[0]), int(args[1]), int(args[2])
    with h5py.File(path, "r") as f:
        d = f["entry_1/data_1/data"][()]
        if d.shape != (rows, cols) or d.dtype != np.float32:
            fail(f"pattern shape {d.shape} {d.dtype}")
        if f["entry_1/data_1/data_type"][()].decode() != "intensity":
            fail("data_type")
        if int(f["entry_1/data_1/is_fft_shifted"][()]) != 0:
            fail("is_fft_shifted")
        m = f["entry_1/instrument_1/detector_1/mask"][()]
        if int(((m & 1) != 0).sum()) != unmeasured:
            fail(f"mask marks {int(((m & 1) != 0).sum())} pixels, expected {unmeasured}")
        # Centred: the zero frequency (the brightest pixel) sits at (rows//2, cols//2).
        if np.unravel_index(np.argmax(np.where(m == 0, d, 0)), d.shape) != (rows // 2, cols // 2):
            fail("the pattern is not centred")
elif kind == "sha256":
    if hashlib.sha256(open(path, "rb").read()).hexdigest() != args[0]:
        fail("sha256 differs from hashlib's")
else:
    fail("unknown check " + kind)
