#!/usr/bin/env python3
"""Writes the public recovery benchmark's cases: simulated diffraction patterns
of known objects, as NPY arrays in FFT order, and cases.json, one case per line.

usage: make_cases.py OUTDIR

Each case: magnitude (float32, sqrt of Poisson counts or of the exact
intensity), mask (float32, 1 = measured), truth (the object in its field).
Objects: text, binary shapes, smooth blobs, sparse points, gradients, textured
cells. Fields 128..512 pixels, square, non-square and odd; oversampling 2..3
per axis; photons none, 1e9, 1e8, 1e7; beamstops 0..4 px; detector module gaps.
A case is recovered when the error after the best shift, twin and positive
scale is at most its bound: 0.05 (noiseless), 0.10 (1e9), 0.15 (1e8), 0.30 (1e7).
"""
import json
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

KINDS = ["text", "binary", "smooth", "sparse", "gradient", "cells"]
FIELDS = [(128, 128), (192, 160), (256, 256), (255, 201), (384, 320), (512, 512),
          (128, 128), (160, 224), (301, 301), (256, 192)]
OVERSAMPLING = [2.0, 2.5, 3.0]
PHOTONS = [0, 1e9, 1e8, 1e7]
BOUND = {0: 0.05, 1e9: 0.10, 1e8: 0.15, 1e7: 0.30}
WORDS = ["PF", "CDI", "XRAY", "HIO", "PHASE", "ER"]


def disk(shape, cy, cx, r):
    y, x = np.mgrid[:shape[0], :shape[1]]
    return (y - cy) ** 2 + (x - cx) ** 2 <= r * r


def make_object(kind, shape, rng):
    h, w = shape
    y, x = np.mgrid[:h, :w]
    o = np.zeros(shape)
    if kind == "text":
        word = WORDS[rng.integers(len(WORDS))]
        img = Image.new("L", (6 * len(word) + 2, 12), 0)
        ImageDraw.Draw(img).text((1, 0), word, fill=255)
        k = max(1, min(h // 12, w // (6 * len(word) + 2)))
        img = img.resize((img.width * k, img.height * k), Image.NEAREST)
        a = np.asarray(img, float) / 255
        a = a[:h, :w]
        r0, c0 = (h - a.shape[0]) // 2, (w - a.shape[1]) // 2
        o[r0:r0 + a.shape[0], c0:c0 + a.shape[1]] = a
    elif kind == "binary":
        for _ in range(rng.integers(2, 5)):
            cy, cx = rng.uniform(0.25, 0.75) * h, rng.uniform(0.25, 0.75) * w
            o[disk(shape, cy, cx, rng.uniform(0.08, 0.22) * min(h, w))] = 1
        r0, c0 = rng.integers(0, h // 2), rng.integers(0, w // 2)
        o[r0:r0 + h // 5, c0:c0 + w // 3] = 1
    elif kind == "smooth":
        for _ in range(rng.integers(3, 7)):
            cy, cx = rng.uniform(0.25, 0.75) * h, rng.uniform(0.25, 0.75) * w
            s = rng.uniform(0.05, 0.15) * min(h, w)
            o += rng.uniform(0.4, 1) * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s))
        o *= o > 0.05 * o.max()
    elif kind == "sparse":
        for _ in range(rng.integers(6, 14)):
            o[rng.integers(0, h), rng.integers(0, w)] = rng.uniform(0.5, 1)
    elif kind == "gradient":
        m = disk(shape, h / 2, w / 2, 0.45 * min(h, w))
        o = m * (0.2 + 0.8 * (x / w) * (0.5 + 0.5 * y / h))
    elif kind == "cells":
        for _ in range(rng.integers(2, 5)):
            cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
            r = rng.uniform(0.12, 0.22) * min(h, w)
            m = disk(shape, cy, cx, r)
            o[m] += 0.5 + 0.3 * np.sin(x[m] * 0.9 + rng.uniform(0, 6)) * np.cos(y[m] * 0.7)
            o[disk(shape, cy, cx, 0.35 * r)] += 0.6
    return o


def simulate(obj, field, photons, beamstop, gaps, rng):
    H, W = field
    h, w = obj.shape
    f = np.zeros(field)
    r0, c0 = (H - h) // 2, (W - w) // 2
    f[r0:r0 + h, c0:c0 + w] = obj
    intensity = np.abs(np.fft.fft2(f)) ** 2
    if photons > 0:
        intensity = rng.poisson(intensity / intensity.sum() * photons).astype(float)
    measured = np.ones(field, bool)
    fy = np.fft.fftfreq(H) * H
    fx = np.fft.fftfreq(W) * W
    if beamstop > 0:
        measured &= fy[:, None] ** 2 + fx[None, :] ** 2 > beamstop ** 2
    if gaps:  # two 2-pixel module gaps across the centred pattern, off the centre
        g = np.ones(field, bool)
        g[H // 2 + H // 5:H // 2 + H // 5 + 2, :] = False
        g[:, W // 2 - W // 6:W // 2 - W // 6 + 2] = False
        measured &= np.fft.ifftshift(g)
    return np.sqrt(intensity) * measured, measured, f


def case_list():
    cases = []
    for i in range(30):
        field = FIELDS[i % len(FIELDS)]
        cases.append(dict(
            name=f"case{i:02d}", kind=KINDS[i % 6], field=field,
            oversampling=OVERSAMPLING[(i // 2) % 3], photons=PHOTONS[(i // 3) % 4],
            beamstop=[0, 1, 2, 3, 4][(i * 7) % 5], gaps=i % 5 == 4, seed=1000 + i))
    return cases


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    lines = []
    for c in case_list():
        rng = np.random.default_rng(c["seed"])
        size = tuple(int(round(n / c["oversampling"])) for n in c["field"])
        obj = make_object(c["kind"], size, rng)
        magnitude, measured, truth = simulate(obj, c["field"], c["photons"], c["beamstop"],
                                              c["gaps"], rng)
        files = {}
        for part, array in (("magnitude", magnitude), ("mask", measured), ("truth", truth)):
            files[part] = f"{c['name']}-{part}.npy"
            np.save(os.path.join(out, files[part]), array.astype(np.float32))
        entry = dict(name=c["name"], kind=c["kind"], rows=c["field"][0], cols=c["field"][1],
                     oversampling=c["oversampling"], photons=c["photons"], beamstop=c["beamstop"],
                     gaps=c["gaps"], bound=BOUND[c["photons"]], **files)
        lines.append(json.dumps(entry))
    with open(os.path.join(out, "cases.json"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} cases to {out}")


if __name__ == "__main__":
    main()
