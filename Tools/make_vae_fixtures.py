#!/usr/bin/env python3
"""Reference values and gradients of a small variational autoencoder in PyTorch, for Descent's
gaussian layer and bernoulli loss tests.

Pinned: torch==2.15.0, numpy==2.4.6 (Tools/requirements-fixtures.txt; CPU, 1 thread). Install
outside the repository, e.g.

    python3 -m venv /work/venv-torch && /work/venv-torch/bin/pip install -r Tools/requirements-fixtures.txt
    /work/venv-torch/bin/python Tools/make_vae_fixtures.py

Writes Tests/Fixtures/vae/vae.json. The network is written in Descent's text form (`model`) and
as the torch.nn.Sequential it stands for, in a `layers` attribute, so the names agree
(`layers.<i>.weight`, i counting every described layer; the gaussian layer, index 3, has no
parameters). The gaussian layer splits its input row into mu and log sigma^2
(`h.chunk(2, dim=1)`) and draws z = mu + exp(log sigma^2 / 2) * eps with the fixture's eps. The
loss is the beta-weighted negative ELBO per example:

    L = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / B
        + beta * 0.5 * sum(mu^2 + exp(logvar) - 1 - logvar) / B

The fixture holds the input x (also the target, detached), eps, the parameters (biases made
non-zero), z, the logits, the two terms, and dL/d(every parameter) and dL/dx (through the input
only). `eval_logits` are the logits in evaluation mode (z = mu). Values are float32 printed with
9 significant digits (exact round trip).
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from make_conv_fixtures import Net, require_pinned_torch, values

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "vae")
MODEL = "6: linear(5), tanh, linear(8), gaussian(4, beta=0.7) | linear(5), relu, linear(6); loss=bernoulli"
BETA = 0.7


class Gaussian(nn.Module):
    """Descent's gaussian(k): mu and log sigma^2 in, z out; eps given (None: evaluation, z = mu)."""
    def __init__(self):
        super().__init__()
        self.eps = None
        self.kl = None

    def forward(self, h):
        mu, logvar = h.chunk(2, dim=1)
        self.kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum() / h.shape[0]
        return mu if self.eps is None else mu + torch.exp(0.5 * logvar) * self.eps


def main():
    require_pinned_torch()
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(3100)
    gaussian = Gaussian()
    net = Net([nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 8), gaussian, nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 6)])
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("bias"):
                p.uniform_(-0.5, 0.5)
    parameters = {n: {"shape": list(p.shape), "values": values(p)} for n, p in net.named_parameters()}
    x = torch.rand(7, 6)
    eps = torch.randn(7, 4)
    xin = x.clone().requires_grad_(True)
    gaussian.eps = eps
    z_holder = {}

    def keep_z(module, inputs, output):
        z_holder["z"] = output.detach()  # returns None: the output is left as it is

    handle = net.layers[3].register_forward_hook(keep_z)
    logits = net(xin)
    handle.remove()
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
    kl = gaussian.kl
    loss = reconstruction + BETA * kl
    net.zero_grad()
    loss.backward()
    gradients = {**{n: values(p.grad) for n, p in net.named_parameters()}, "input": values(xin.grad)}
    gaussian.eps = None
    with torch.no_grad():
        eval_logits = net(x)
    fixture = {
        "torch": torch.__version__, "model": MODEL, "beta": BETA,
        "input": {"shape": list(x.shape), "values": values(x)}, "epsilon": values(eps),
        "parameters": parameters, "z": values(z_holder["z"]), "logits": values(logits),
        "reconstruction": reconstruction.item(), "kl": kl.item(), "loss": loss.item(),
        "gradients": gradients, "eval_logits": values(eval_logits),
    }
    path = os.path.join(OUT, "vae.json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: loss {loss.item():.6f} = {reconstruction.item():.6f} + {BETA} * {kl.item():.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
