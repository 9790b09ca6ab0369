#!/usr/bin/env python3
"""Reference outputs, gradients and running statistics of batch normalisation in PyTorch, for
Descent's batchnorm1d and batchnorm2d tests.

Pinned: torch==2.15.0, numpy==2.4.6 (Tools/requirements-fixtures.txt; CPU, 1 thread). Install
outside the repository, e.g.

    python3 -m venv /work/venv-torch && /work/venv-torch/bin/pip install -r Tools/requirements-fixtures.txt
    /work/venv-torch/bin/python Tools/make_batchnorm_fixtures.py

Writes Tests/Fixtures/batchnorm/<case>.json. Each network is written in Descent's text form
(`model`) and as the torch.nn.Sequential it stands for, held in a `layers` attribute, so the
names agree (`layers.<i>.weight`, `layers.<i>.running_mean`, i counting every described layer).
BatchNorm's weight and bias are made other than 1 and 0, so that they show in every gradient.

The network goes through, in order:
  train1, train2   two training-mode steps on two batches (the weights are not updated): the
                   running statistics move twice (momentum, unbiased variance)
  eval             one evaluation-mode step on a third batch, normalised by those statistics
For each step the fixture holds the input, the output, a fixed random dL/d(output) (the loss
is L = sum(upstream * output)) and dL/d(every parameter) and dL/d(input) for that step alone
(gradients zeroed before each step); `buffers` after train1 and after train2 (the eval step
leaves them as they are). num_batches_tracked, an int64 in torch, is written as a number.
Values are float32 printed with 9 significant digits (exact round trip).
"""
import json
import os
import sys

import torch
import torch.nn as nn

from make_conv_fixtures import Net, require_pinned_torch, values  # the same network wrapper and number format

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "batchnorm")


def cases():
    """(name, Descent text form, input shape, torch layers)."""
    yield ("batchnorm1d",
           "6: linear(5), batchnorm1d, relu, linear(4), batchnorm1d(momentum=0.3, eps=0.001), linear(3)",
           [7, 6],
           [nn.Linear(6, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 4), nn.BatchNorm1d(4, eps=0.001, momentum=0.3),
            nn.Linear(4, 3)])
    yield ("batchnorm2d",
           "2x6x5: conv2d(3, 3, padding=1), batchnorm2d, relu, maxpool2d(2), conv2d(4, 2, bias=false), "
           "batchnorm2d(momentum=0.2), flatten, linear(3)",
           [3, 2, 6, 5],
           [nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 4, 2, bias=False),
            nn.BatchNorm2d(4, momentum=0.2), nn.Flatten(), nn.Linear(8, 3)])


def step(net, x, training):
    net.train(training)
    x = x.clone().requires_grad_(True)
    net.zero_grad(set_to_none=False)
    y = net(x)
    upstream = torch.randn(*y.shape, dtype=torch.float32)
    (y * upstream).sum().backward()
    return {
        "input": {"shape": list(x.shape), "values": values(x)},
        "output": {"shape": list(y.shape), "values": values(y)},
        "upstream": values(upstream),
        "gradients": {**{n: values(p.grad) for n, p in net.named_parameters()}, "input": values(x.grad)},
    }


def buffers(net):
    return {n: {"shape": list(b.shape) or [1], "values": values(b.reshape(-1))} for n, b in net.named_buffers()}


def main():
    require_pinned_torch()
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    # cases() builds each case's layers (drawing their initial weights) before the loop's
    # seed for that case: the first case's are drawn here, every later case's from the
    # previous case's seeded stream.
    torch.manual_seed(1999)
    for k, (name, model, shape, layers) in enumerate(cases()):
        torch.manual_seed(2000 + k)
        net = Net(layers)
        with torch.no_grad():
            for pname, p in net.named_parameters():
                if pname.endswith("bias"):
                    p.uniform_(-0.5, 0.5)
            for m in net.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.weight.uniform_(0.5, 1.5)
        parameters = {n: {"shape": list(p.shape), "values": values(p)} for n, p in net.named_parameters()}
        initial = buffers(net)
        x1 = torch.randn(*shape) * 2 + 0.5
        train1 = step(net, x1, True)
        after1 = buffers(net)
        x2 = torch.randn(*shape) * 1.5 - 0.25
        train2 = step(net, x2, True)
        after2 = buffers(net)
        x3 = torch.randn(*shape)
        evaluation = step(net, x3, False)
        assert buffers(net) == after2
        fixture = {
            "case": name, "torch": torch.__version__, "model": model, "parameters": parameters,
            "buffers": {"initial": initial, "train1": after1, "train2": after2},
            "steps": {"train1": train1, "train2": train2, "eval": evaluation},
        }
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: {sum(p.numel() for p in net.parameters())} parameters, buffers {list(after2)}", file=sys.stderr)


if __name__ == "__main__":
    main()
