#!/usr/bin/python3
"""Writes the files bench/io/run times: a 4096 x 4096 float32 diffraction
pattern (a random object's |FFT|^2, centred) saved by other tools.

usage: make_files.py OUTDIR [N]
  npy        numpy.save (version 1.0 header, little-endian, C order)
  fortran.npy  the same array in Fortran order (what numpy.save writes for an
             F-contiguous array, e.g. a transpose)
  tif        tifffile, uncompressed, one strip per 16 rows (tifffile's default)
  tiled.tif  tifffile, uncompressed, 256 x 256 tiles
  cxi        h5py, entry_1/data_1/data contiguous float32, data_type, is_fft_shifted
  chunked.cxi  the same dataset in 256 x 256 chunks (not compressed)
  gzip.cxi   the same in 256 x 256 chunks compressed with gzip level 4
"""
import os
import sys

import h5py
import numpy as np
import tifffile

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(4096)
obj = np.zeros((n, n), np.complex64)
q = n // 4
obj[q + q // 2: 2 * q + q // 2, q + q // 2: 2 * q + q // 2] = rng.random((q, q))
pattern = np.fft.fftshift(np.abs(np.fft.fft2(obj)) ** 2).astype(np.float32)
pattern *= np.float32(1e9 / pattern.max())

np.save(os.path.join(out, "pattern.npy"), np.ascontiguousarray(pattern))
np.save(os.path.join(out, "pattern.fortran.npy"), np.asfortranarray(pattern))
tifffile.imwrite(os.path.join(out, "pattern.tif"), pattern, rowsperstrip=16)
tifffile.imwrite(os.path.join(out, "pattern.tiled.tif"), pattern, tile=(256, 256))
for name, kw in (("pattern.cxi", {}), ("pattern.chunked.cxi", {"chunks": (256, 256)}),
                 ("pattern.gzip.cxi", {"chunks": (256, 256), "compression": "gzip", "compression_opts": 4})):
    with h5py.File(os.path.join(out, name), "w") as f:
        f["cxi_version"] = 160
        f.create_dataset("entry_1/data_1/data", data=pattern, **kw)
        f["entry_1/data_1/data_type"] = "intensity"
        f["entry_1/data_1/is_fft_shifted"] = 0
print(f"make_files.py: {n} x {n} float32 files in {out}", file=sys.stderr)
