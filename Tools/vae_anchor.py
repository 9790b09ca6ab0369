#!/usr/bin/env python3
"""The PyTorch side of Descent's VAE anchor: trains the vae-mlp preset in PyTorch from the same
initial weights, with the same optimizer, minibatch and epochs, and reports the test -ELBO and
the seconds of each training epoch.

    vae-mlp: 784 -> linear(512), ReLU, linear(40) = (mu, log sigma^2) of 20 units
             | z = mu + exp(log sigma^2 / 2) * eps -> linear(512), ReLU, linear(784) = Bernoulli logits
    loss:    F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / B
             + 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2) / B        (negative ELBO per image, nats)
    Adam(lr 1e-3, betas (0.9, 0.999), eps 1e-8), minibatch 100, reshuffled every epoch (torch
    generator seeded with --seed), pixels / 255, no masking noise.

The initial weights are read from a Descent checkpoint of the same seed, written before any
training (`descent autoencoder --model vae-mlp --corruption 0 --epochs 0 --seed S`), so both
start from the same network. The test -ELBO is measured as Descent's VariationalEvaluation
does: one z per test image (drawn from a generator seeded with --seed), the KL exact.

Pinned: torch==2.15.0, numpy==2.4.6, safetensors==0.8.0 (the peers' virtualenv); CPU, 2 threads
(PEER_THREADS to change). Prints one JSON object: per-epoch training seconds and losses, the test
-ELBO with its two parts, and the versions.

Usage: python Tools/vae_anchor.py --init model.safetensors --data /usr/share/datasets/fashion-mnist
                                  --epochs 10 --seed 0
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file

THREADS = int(os.environ.get("PEER_THREADS", "2"))


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def images(directory, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return torch.from_numpy(read_idx(path).reshape(-1, 784).astype(np.float32) / np.float32(255))
    raise SystemExit(f"{directory}: missing {name}(.gz)")


class VAE(torch.nn.Module):
    def __init__(self, tensors):
        super().__init__()
        self.params = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(torch.from_numpy(v.copy()))
                                              for k, v in tensors.items()})

    def linear(self, i, x):
        return F.linear(x, self.params[f"layers_{i}_weight"], self.params[f"layers_{i}_bias"])

    def forward(self, x, eps):
        h = self.linear(2, F.relu(self.linear(0, x)))
        mu, logvar = h.chunk(2, dim=1)
        z = mu + torch.exp(0.5 * logvar) * eps
        logits = self.linear(6, F.relu(self.linear(4, z)))
        kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum()
        return F.binary_cross_entropy_with_logits(logits, x, reduction="sum"), kl


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--init", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=100)
    a = p.parse_args()
    torch.set_num_threads(THREADS)
    tensors = {k: v for k, v in load_file(a.init).items() if not k.startswith("optimizer/")}
    expected = {f"layers.{i}.{n}" for i in (0, 2, 4, 6) for n in ("weight", "bias")}
    if set(tensors) != expected or tensors["layers.2.weight"].shape != (40, 512):
        raise SystemExit(f"{a.init}: not a vae-mlp checkpoint (tensors {sorted(tensors)})")
    model = VAE(tensors)
    train, test = images(a.data, "train-images-idx3-ubyte"), images(a.data, "t10k-images-idx3-ubyte")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    order = torch.Generator().manual_seed(a.seed)
    noise = torch.Generator().manual_seed(a.seed + 1000)
    epochs = []
    for epoch in range(a.epochs):
        start = time.perf_counter()
        total = 0.0
        for idx in torch.randperm(len(train), generator=order).split(a.batch):
            x = train[idx]
            eps = torch.randn(len(idx), 20, generator=noise)
            reconstruction, kl = model(x, eps)
            loss = (reconstruction + kl) / len(idx)
            optimizer.zero_grad(set_to_none=False)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        epochs.append({"epoch": epoch + 1, "seconds": time.perf_counter() - start, "train_negative_elbo": total / len(train)})
    evaluation = torch.Generator().manual_seed(a.seed + 2000)
    rec = kl = 0.0
    with torch.no_grad():
        for x in test.split(100):
            r, k = model(x, torch.randn(len(x), 20, generator=evaluation))
            rec += r.item()
            kl += k.item()
    n = len(test)
    print(json.dumps({"framework": "torch", "torch": torch.__version__, "threads": THREADS, "seed": a.seed, "epochs": epochs,
                      "test_negative_elbo": (rec + kl) / n, "test_reconstruction": rec / n, "test_kl": kl / n}))


if __name__ == "__main__":
    main()
