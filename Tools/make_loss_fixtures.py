#!/usr/bin/env python3
"""Reference values of torch.nn.BCEWithLogitsLoss for Descent's BinaryCrossEntropy test.

Pinned: torch==2.15.0, numpy==2.4.6 (Tools/requirements-fixtures.txt; CPU, float32). Install
outside the repository, e.g.

    python3 -m venv /work/venv-torch && /work/venv-torch/bin/pip install -r Tools/requirements-fixtures.txt
    /work/venv-torch/bin/python Tools/make_loss_fixtures.py

Writes Tests/Fixtures/losses/bce-with-logits.json: float32 logits (ordinary values and
extremes up to +-200, where a naive log(sigmoid) overflows) and targets in [0, 1] (0, 1 and
fractional pixel values), with torch's mean loss (reduction='mean') and its gradient with
respect to the logits, all written as float32 values in decimal.
"""
import json
import os

import numpy as np
import torch

torch.set_num_threads(1)
rng = np.random.default_rng(20060728)
ordinary = rng.normal(0, 3, size=180).astype(np.float32)
extremes = np.array([-200, -100, -88.8, -50, -20, -1e-4, 0, 1e-4, 20, 50, 88.8, 100, 200], dtype=np.float32)
logits = np.concatenate([ordinary, extremes, -extremes]).astype(np.float32)
targets = rng.choice(np.arange(256, dtype=np.float32) / np.float32(255), size=logits.size).astype(np.float32)
targets[::7] = 0
targets[3::7] = 1

z = torch.tensor(logits, requires_grad=True)
t = torch.tensor(targets)
loss = torch.nn.BCEWithLogitsLoss()(z, t)
loss.backward()

out = {
    "generator": "Tools/make_loss_fixtures.py",
    "torch": torch.__version__,
    "loss": "torch.nn.BCEWithLogitsLoss(reduction='mean')",
    "logits": [float(v) for v in logits],
    "targets": [float(v) for v in targets],
    "mean_loss": float(loss.item()),
    "gradient": [float(v) for v in z.grad.numpy()],
}
path = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "losses", "bce-with-logits.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {os.path.normpath(path)}: {logits.size} values, mean loss {loss.item():.9g}")
