#!/usr/bin/python3
"""Writes the bundled samples (resources/samples) as recovery-benchmark cases.

    PYTHONPATH=build/default/python bench/recovery/make_sample_cases.py OUT_DIR
    build/default/bench/recovery/pf_bench_recipe OUT_DIR/cases.json --engine cpu

Each sample's magnitudes and mask as the front ends load them (pf.load_diffraction)
and its truth (NAME-truth.tiff, placed in the field as simulated), with the bound
of the public benchmark for its noise: letters and blobs are noiseless (0.05),
cell has 10⁹ photons (0.10).
"""
import json
import os
import sys

import numpy as np
from PIL import Image

import phaseforge as pf

SAMPLES = [("letters", 0.05), ("cell", 0.10), ("blobs", 0.05)]


def main():
    out = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    samples = os.path.join(root, "resources", "samples")
    os.makedirs(out, exist_ok=True)
    lines = []
    for name, bound in SAMPLES:
        loaded = pf.load_diffraction(os.path.join(samples, name + ".cxi"))
        truth = np.asarray(Image.open(os.path.join(samples, name + "-truth.tiff")), np.float32)
        files = {}
        for part, array in (("magnitude", loaded["magnitude"]), ("mask", loaded["mask"]),
                            ("truth", truth)):
            files[part] = f"{name}-{part}.npy"
            np.save(os.path.join(out, files[part]), np.asarray(array, np.float32))
        lines.append(json.dumps(dict(name=name, bound=bound, **files)))
    with open(os.path.join(out, "cases.json"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
