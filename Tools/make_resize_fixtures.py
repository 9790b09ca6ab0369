#!/usr/bin/env python3
"""Reference resizes of Pillow's Image.resize(size, Image.BILINEAR) for Descent's
BilinearResize (what torchvision's Resize((h, w)) does to an image ImageFolder reads).

Pinned: pillow==13.0.0, numpy==2.4.6 (Tools/requirements-fixtures.txt). Install outside the
repository, e.g.

    python3 -m venv /work/venv-torch && /work/venv-torch/bin/pip install -r Tools/requirements-fixtures.txt
    /work/venv-torch/bin/python Tools/make_resize_fixtures.py

Writes Tests/Fixtures/resize/bilinear.json: grey ("L") images of seeded random bytes, each
with its resizes to several sizes (shrinking and growing, one axis or both), all as lists
of bytes, row-major.
"""
import json
import os

import numpy as np
from PIL import Image

rng = np.random.default_rng(20260727)
cases = []
for (h, w), targets in [((28, 28), [(32, 32), (14, 14), (20, 28), (28, 9), (7, 5)]),
                        ((37, 23), [(32, 32), (12, 40), (37, 11), (64, 23), (1, 1)]),
                        ((5, 64), [(5, 32), (16, 16), (3, 100)])]:
    pixels = rng.integers(0, 256, size=(h, w), dtype=np.uint8)
    image = Image.fromarray(pixels, mode="L")
    out = []
    for th, tw in targets:
        resized = np.asarray(image.resize((tw, th), Image.BILINEAR))
        out.append({"height": th, "width": tw, "pixels": resized.reshape(-1).tolist()})
    cases.append({"height": h, "width": w, "pixels": pixels.reshape(-1).tolist(), "resized": out})

path = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "resize", "bilinear.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    json.dump({"pillow": __import__("PIL").__version__,
               "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(path)
