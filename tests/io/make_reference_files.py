#!/usr/bin/python3
"""Writes diffraction files with other tools (numpy, tifffile, PIL, h5py) and,
for each, the Problem PhaseForge must build from it, computed here with numpy
alone: an independent reference for tests/io/tst_io.cpp.

usage: make_reference_files.py OUTDIR
Writes OUTDIR/manifest.tsv with one line per case:
  file  options  truth.f64  mask.u8  rows  cols  negative  nonfinite  masked
options are ';'-separated key=value pairs (kind, centring, frame, entry) or '-'.
truth.f64 is the expected magnitude (float64, FFT order, row-major); mask.u8
the expected measured mask (1 = measured), or '-' when every pixel is measured.
"""
import os
import sys

import h5py
import numpy as np
import tifffile
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
print("make_reference_files.py: numpy seed drawn from os.urandom", file=sys.stderr)
lines = []
UNMEASURED_BITS = 1 | 2 | 4 | 8 | 16


def centred_pattern(rows, cols, scale=1000.0):
    """A random object's |FFT|^2, centred: bright middle, dim corners."""
    obj = np.zeros((rows, cols))
    obj[rows // 3: rows // 3 + rows // 4, cols // 3: cols // 3 + cols // 5] = rng.random((rows // 4, cols // 5))
    inten = np.abs(np.fft.fft2(obj)) ** 2
    return np.fft.fftshift(inten / inten.max() * scale)


def add(name, frame2d, options="-", kind="intensity", centred=True, mask_bits=None):
    """frame2d: the values as stored (float64), before any conversion."""
    x = np.array(frame2d, dtype=np.float64)
    finite = np.isfinite(x)
    measured = finite.copy()
    masked = 0
    if mask_bits is not None:
        bad = (mask_bits & UNMEASURED_BITS) != 0
        masked = int(bad.sum())
        measured &= ~bad
    negative = int((finite & (x < 0)).sum())
    x = np.where(finite, x, 0.0)
    x = np.maximum(x, 0.0)
    if kind == "intensity":
        x = np.sqrt(x)
    x[~measured] = 0.0
    if centred:
        x = np.fft.ifftshift(x)
        measured = np.fft.ifftshift(measured)
    base = name.replace("/", "_").replace(":", "_")
    x.astype("<f8").tofile(os.path.join(out, base + ".truth.f64"))
    mask_name = "-"
    if not measured.all():
        mask_name = base + ".mask.u8"
        measured.astype(np.uint8).tofile(os.path.join(out, mask_name))
    lines.append("\t".join([name, options, base + ".truth.f64", mask_name, str(x.shape[0]),
                            str(x.shape[1]), str(negative), str(int((~finite).sum())), str(masked)]))


p = os.path.join
# --- NPY (numpy) -------------------------------------------------------------
a = centred_pattern(40, 56).astype(np.float32)
np.save(p(out, "f32_c.npy"), a)
add("f32_c.npy", a, "centring=centred")

b = centred_pattern(33, 47).astype(">f8")  # odd sizes, big-endian
np.save(p(out, "f64_be.npy"), b)
add("f64_be.npy", b, "centring=centred")

c = np.asfortranarray((centred_pattern(30, 20) / 10).astype("<i2"))
np.save(p(out, "i16_fortran.npy"), c)
add("i16_fortran.npy", c, "centring=centred")

d = np.fft.ifftshift(centred_pattern(24, 24)).astype(">u2")
with open(p(out, "u2_v2.npy"), "wb") as f:
    np.lib.format.write_array(f, d, version=(2, 0))
add("u2_v2.npy", d, "centring=shifted", centred=False)

e = centred_pattern(16, 28).astype(np.float16)
with open(p(out, "f16_v3.npy"), "wb") as f:
    np.lib.format.write_array(f, e, version=(3, 0))
add("f16_v3.npy", e, "centring=centred")

stack = np.stack([centred_pattern(20, 20) for _ in range(4)]).astype(">i8")
np.save(p(out, "stack_i8.npy"), stack)
add("stack_i8.npy", stack[2], "centring=centred;frame=2")

fstack = np.asfortranarray(np.stack([centred_pattern(12, 18) for _ in range(3)]).astype(np.float32))
np.save(p(out, "stack_fortran.npy"), fstack)
add("stack_fortran.npy", fstack[1], "centring=centred;frame=1")

amp = np.sqrt(centred_pattern(32, 32)).astype("<f4")
np.save(p(out, "amplitude.npy"), amp)
add("amplitude.npy", amp, "centring=centred;kind=amplitude", kind="amplitude")

u8 = (centred_pattern(25, 31) / 4).astype(np.uint8)
np.save(p(out, "u8.npy"), u8)
add("u8.npy", u8, "centring=centred")

dirty = centred_pattern(32, 32).astype(np.float32)
dirty[rng.random(dirty.shape) < 0.05] = -3.0
dirty[rng.random(dirty.shape) < 0.03] = np.nan
dirty[rng.random(dirty.shape) < 0.02] = np.inf
dirty[16, 16] = 1000.0  # keep the centre bright and finite
np.save(p(out, "dirty.npy"), dirty)
add("dirty.npy", dirty, "centring=centred")

f4be = np.asfortranarray(centred_pattern(26, 34).astype(">f4"))  # big-endian and Fortran order
with open(p(out, "f32_be_fortran_v2.npy"), "wb") as f:
    np.lib.format.write_array(f, f4be, version=(2, 0))
add("f32_be_fortran_v2.npy", f4be, "centring=centred")

u4 = np.asfortranarray((centred_pattern(22, 18) * 1000).astype("<u4"))
with open(p(out, "u32_fortran_v3.npy"), "wb") as f:
    np.lib.format.write_array(f, u4, version=(3, 0))
add("u32_fortran_v3.npy", u4, "centring=centred")

big = np.asfortranarray(centred_pattern(150, 97).astype(np.float32))  # several 64 x 64 transpose blocks
np.save(p(out, "f32_fortran_blocks.npy"), big)
add("f32_fortran_blocks.npy", big, "centring=centred")

bigstack = np.asfortranarray(np.stack([centred_pattern(70, 130) for _ in range(2)]).astype("<f8"))
np.save(p(out, "stack_fortran_blocks.npy"), bigstack)
add("stack_fortran_blocks.npy", bigstack[1], "centring=centred;frame=1")

i4 = (centred_pattern(20, 30) * 100).astype(">i4")
np.save(p(out, "i32_be.npy"), i4)
add("i32_be.npy", i4, "centring=centred")

flags = centred_pattern(16, 16) > 10  # a boolean array: 0 and 1
np.save(p(out, "bool.npy"), flags)
add("bool.npy", flags.astype(np.float64), "centring=centred")

# The centring heuristic, with no flag: centred and shifted versions.
h = centred_pattern(48, 48).astype(np.float32)
np.save(p(out, "heuristic_centred.npy"), h)
add("heuristic_centred.npy", h)
np.save(p(out, "heuristic_shifted.npy"), np.fft.ifftshift(h))
add("heuristic_shifted.npy", np.fft.ifftshift(h), centred=False)

# --- TIFF (tifffile and PIL) -------------------------------------------------
t1 = centred_pattern(50, 70).astype(np.float32)
tifffile.imwrite(p(out, "f32_strips.tif"), t1, rowsperstrip=7)
add("f32_strips.tif", t1, "centring=centred")

t2 = (centred_pattern(50, 70) * 40).astype(np.uint16)
tifffile.imwrite(p(out, "u16_tiled.tif"), t2, tile=(16, 32))
add("u16_tiled.tif", t2, "centring=centred")

t3 = (centred_pattern(36, 36) * 1000).astype(np.int32)
tifffile.imwrite(p(out, "i32_be.tif"), t3, byteorder=">")
add("i32_be.tif", t3, "centring=centred")

t4 = centred_pattern(64, 48)
tifffile.imwrite(p(out, "f64_deflate.tif"), t4, compression="zlib")
add("f64_deflate.tif", t4, "centring=centred")

pages = np.stack([centred_pattern(30, 30) for _ in range(3)]).astype(np.float32)
tifffile.imwrite(p(out, "multipage.tif"), pages, photometric="minisblack")  # one page per frame
add("multipage.tif", pages[1], "centring=centred;frame=1")

t5 = (centred_pattern(40, 40) / 10 - 20).astype(np.int8)
tifffile.imwrite(p(out, "i8.tif"), t5)
add("i8.tif", t5, "centring=centred")

t6 = (centred_pattern(40, 24) * 1e5).astype(np.int32)
Image.fromarray(t6, mode="I").save(p(out, "i32_lzw.tif"), compression="tiff_lzw")
add("i32_lzw.tif", t6, "centring=centred")

t9 = (centred_pattern(40, 24) * 1e5).astype(np.uint32)
tifffile.imwrite(p(out, "u32.tif"), t9)
add("u32.tif", t9, "centring=centred")

t7 = (centred_pattern(30, 40) * 60).astype(np.uint16)
Image.fromarray(t7).save(p(out, "pil_u16.tif"))
add("pil_u16.tif", t7, "centring=centred")

t8 = centred_pattern(30, 40).astype(np.float32)
Image.fromarray(t8, mode="F").save(p(out, "pil_f32.tif"))
add("pil_f32.tif", t8, "centring=centred")

t10 = (centred_pattern(30, 44) / 4).astype(np.uint8)
Image.fromarray(t10, mode="L").save(p(out, "pil_u8.tif"))
add("pil_u8.tif", t10, "centring=centred")

t11 = (centred_pattern(34, 30) * 30 - 2000).astype(np.int16)
tifffile.imwrite(p(out, "i16.tif"), t11)
add("i16.tif", t11, "centring=centred")

t12 = centred_pattern(70, 50).astype(np.float32)  # tiles overhang both edges
tifffile.imwrite(p(out, "f32_tiled_zlib.tif"), t12, tile=(32, 16), compression="zlib")
add("f32_tiled_zlib.tif", t12, "centring=centred")

t14 = (centred_pattern(45, 60) * 50).astype(np.uint16)  # horizontal differencing
tifffile.imwrite(p(out, "u16_predictor.tif"), t14, compression="zlib", predictor=2, rowsperstrip=8)
add("u16_predictor.tif", t14, "centring=centred")

t13 = centred_pattern(40, 40).astype(">f8")
tifffile.imwrite(p(out, "f64_tiled_be.tif"), t13, tile=(16, 16), byteorder=">")
add("f64_tiled_be.tif", t13, "centring=centred")

tpages = np.stack([(centred_pattern(36, 28) * 50).astype(np.uint16) for _ in range(4)])
tifffile.imwrite(p(out, "multipage_tiled.tif"), tpages, tile=(16, 16), photometric="minisblack")
add("multipage_tiled.tif", tpages[3], "centring=centred;frame=3")

ppages = [(centred_pattern(24, 24) / 4).astype(np.uint8) for _ in range(3)]
Image.fromarray(ppages[0], mode="L").save(p(out, "pil_pages.tif"), save_all=True,
                                          append_images=[Image.fromarray(x, mode="L") for x in ppages[1:]])
add("pil_pages.tif", ppages[2], "centring=centred;frame=2")

rgba = np.stack([(centred_pattern(22, 22) / 4).astype(np.uint8) for _ in range(4)], axis=-1)
Image.fromarray(rgba, mode="RGBA").save(p(out, "rgba.tif"))
add("rgba.tif", 0.2126 * rgba[..., 0] + 0.7152 * rgba[..., 1] + 0.0722 * rgba[..., 2], "centring=centred")

rgb = np.stack([(centred_pattern(20, 20) / 4).astype(np.uint8) for _ in range(3)], axis=-1)
tifffile.imwrite(p(out, "rgb.tif"), rgb, photometric="rgb")
lum = 0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]
add("rgb.tif", lum, "centring=centred")

# --- PNG (PIL) ---------------------------------------------------------------
g8 = (centred_pattern(45, 35) / 4).astype(np.uint8)
Image.fromarray(g8, mode="L").save(p(out, "grey8.png"))
add("grey8.png", g8, "centring=centred")

g16 = (centred_pattern(37, 29) * 60).astype(np.uint16)
Image.fromarray(g16).save(p(out, "grey16.png"))  # PIL writes 16-bit grey
add("grey16.png", g16, "centring=centred")

c8 = np.stack([(centred_pattern(26, 26) / 4).astype(np.uint8) for _ in range(3)], axis=-1)
Image.fromarray(c8, mode="RGB").save(p(out, "rgb.png"))
add("rgb.png", 0.2126 * c8[..., 0] + 0.7152 * c8[..., 1] + 0.0722 * c8[..., 2], "centring=centred")

la = np.stack([(centred_pattern(21, 27) / 4).astype(np.uint8), np.full((21, 27), 128, np.uint8)], axis=-1)
Image.fromarray(la, mode="LA").save(p(out, "grey_alpha.png"))
add("grey_alpha.png", la[..., 0], "centring=centred")

rgba8 = np.stack([(centred_pattern(19, 23) / 4).astype(np.uint8) for _ in range(4)], axis=-1)
Image.fromarray(rgba8, mode="RGBA").save(p(out, "rgba.png"))
add("rgba.png", 0.2126 * rgba8[..., 0] + 0.7152 * rgba8[..., 1] + 0.0722 * rgba8[..., 2], "centring=centred")

idx = (centred_pattern(24, 20) / 100).astype(np.uint8) % 16  # a 16-colour palette image
palette = rng.integers(0, 256, size=(16, 3), dtype=np.uint8)
pimg = Image.fromarray(idx, mode="P")
pimg.putpalette(palette.flatten().tolist())
pimg.save(p(out, "palette.png"))
cols = palette[idx].astype(np.float64)
add("palette.png", 0.2126 * cols[..., 0] + 0.7152 * cols[..., 1] + 0.0722 * cols[..., 2], "centring=centred")

bits = centred_pattern(17, 29) > 5  # 1-bit grey: libpng widens 0/1 to 0/255
Image.fromarray(bits).convert("1").save(p(out, "grey1.png"))
add("grey1.png", bits.astype(np.float64) * 255, "centring=centred")

# --- HDF5 and CXI (h5py) -----------------------------------------------------
with h5py.File(p(out, "plain.h5"), "w") as f:
    f["a/b/pattern"] = centred_pattern(32, 40).astype(np.float32)
    f["a/stack"] = (np.stack([centred_pattern(20, 30) for _ in range(3)]) * 10).astype(np.uint16)
    add("plain.h5:/a/b/pattern", f["a/b/pattern"][()], "centring=centred")
    add("plain.h5:/a/stack", f["a/stack"][2], "centring=centred;frame=2")

# A NeXus-like file with one image dataset among other things: read without
# a dataset path. Another with two images: refused, naming both.
with h5py.File(p(out, "single.nxs"), "w") as f:
    f["entry/title"] = "one image"
    f["entry/data/x"] = np.arange(36, dtype=np.float64)
    f["entry/data/data"] = centred_pattern(36, 30).astype(np.float32)
    add("single.nxs", f["entry/data/data"][()], "centring=centred")
with h5py.File(p(out, "two_images.h5"), "w") as f:
    f["first"] = centred_pattern(16, 16).astype(np.float32)
    f["group/second"] = centred_pattern(16, 16).astype(np.float32)

with h5py.File(p(out, "detector.cxi"), "w") as f:
    f["cxi_version"] = 160
    data = np.fft.ifftshift(np.sqrt(centred_pattern(40, 40))).astype(np.float32)
    det = f.create_group("entry_1/instrument_1/detector_1")
    det["data"] = data
    bits = np.zeros(data.shape, dtype=np.uint32)
    bits[rng.random(bits.shape) < 0.05] = 1      # invalid
    bits[rng.random(bits.shape) < 0.05] |= 2     # saturated
    bits[rng.random(bits.shape) < 0.03] |= 8     # dead
    bits[rng.random(bits.shape) < 0.05] |= 32    # in peak mask: still measured
    bits[0, 0] = 0
    det["mask"] = bits
    f["entry_1/data_1/data"] = h5py.SoftLink("/entry_1/instrument_1/detector_1/data")
    f["entry_1/data_1/data_type"] = "amplitude"
    f["entry_1/data_1/is_fft_shifted"] = np.bool_(True)
    add("detector.cxi", data, kind="amplitude", centred=False, mask_bits=bits)

with h5py.File(p(out, "entries.cxi"), "w") as f:
    f["cxi_version"] = 160
    first = centred_pattern(24, 24).astype(np.float32)
    second = centred_pattern(28, 20).astype(np.float64)
    f["entry_1/image_1/data"] = first
    f["entry_1/image_1/data_type"] = np.bytes_("intensity")  # fixed-length string
    f["entry_1/image_1/is_fft_shifted"] = 0
    f["entry_2/data_1/data"] = second
    f["entry_2/data_1/is_fft_shifted"] = np.int32(0)
    add("entries.cxi", first)
    add("entries.cxi#2", second, "entry=2")

with open(p(out, "manifest.tsv"), "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"{len(lines)} reference cases in {out}")
