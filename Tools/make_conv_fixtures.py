#!/usr/bin/env python3
"""Reference outputs and gradients of small CNNs in PyTorch, for Descent's convolution tests.

Pinned: torch==2.15.0, numpy==2.4.6 (Tools/requirements-fixtures.txt; CPU, 1 thread). Install
outside the repository, e.g.

    python3 -m venv /work/venv-torch && /work/venv-torch/bin/pip install -r Tools/requirements-fixtures.txt
    /work/venv-torch/bin/python Tools/make_conv_fixtures.py

Writes Tests/Fixtures/conv/<case>.json, one file per network. Each network is written twice:
in Descent's text form (`model`) and as the torch.nn.Sequential it stands for, held in a
`layers` attribute, so parameter names agree (`layers.<i>.weight`, `layers.<i>.bias`, i
counting every layer of the description, activations included). Every layer kind appears:
conv2d (strides 1-3, zero padding, 'same' with odd and even kernels, no bias), maxpool2d
(with and without padding and overlap), avgpool2d (padding counted as zeros), upsample,
convtranspose2d (stride 2, padding, output_padding), reshape (torch Unflatten), flatten,
linear, relu, tanh, sigmoid, leakyrelu, gelu and silu; residual blocks (identity and projection
shortcuts, batch normalisation inside, in training mode).

Each fixture holds:
  case, torch, model   the case name, the torch version and the Descent model text
  input                {shape, values}: a batch of N examples (N x C x H x W, or N x features)
  parameters           {name: {shape, values}}: torch's initial weights (seeded), biases made non-zero
  output               the network's output for the input (evaluation mode; no dropout here)
  upstream             a fixed random dL/d(output): the loss is L = sum(upstream * output)
  gradients            {name: values}: dL/d(parameter) for every parameter, and "input": dL/d(input)
Values are float32 printed with 9 significant digits (exact round trip).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

PIN = "2.15.0"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "conv")


class Net(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class Residual(nn.Module):
    """Descent's residual: y = body(x) + x, or + shortcut(x) (a 1x1 convolution without bias)."""
    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = nn.Sequential(*body)
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))


def cases():
    """(name, Descent text form, input shape, torch layers)."""
    yield ("classifier",
           "2x11x13: conv2d(4, 3, stride=2, padding=1), relu, maxpool2d(2), conv2d(6, 4, padding=same), tanh, "
           "avgpool2d(3, stride=1, padding=1), flatten, linear(5)",
           [3, 2, 11, 13],
           [nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 4, padding="same"), nn.Tanh(), nn.AvgPool2d(3, stride=1, padding=1),
            nn.Flatten(), nn.Linear(54, 5)])
    yield ("decoder",
           "10: linear(48), relu, reshape(3, 4, 4), convtranspose2d(4, 3, stride=2, padding=1, output_padding=1), relu, "
           "upsample(2), conv2d(2, 5, stride=3, padding=2, bias=false), sigmoid, maxpool2d(3, stride=2, padding=1), flatten",
           [3, 10],
           [nn.Linear(10, 48), nn.ReLU(), nn.Unflatten(1, (3, 4, 4)),
            nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(4, 2, 5, stride=3, padding=2, bias=False), nn.Sigmoid(),
            nn.MaxPool2d(3, stride=2, padding=1), nn.Flatten()])
    yield ("lenet-shaped",
           "1x12x12: conv2d(3, 5, padding=2), relu, maxpool2d(2), conv2d(4, 3, stride=1), relu, maxpool2d(2), flatten, "
           "linear(7), relu, linear(3)",
           [2, 1, 12, 12],
           [nn.Conv2d(1, 3, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16, 7), nn.ReLU(), nn.Linear(7, 3)])
    # LeakyReLU (slope 0.01), GELU (erf form) and SiLU, fused into conv2d, convtranspose2d and
    # linear and standing alone, leakyrelu also through the conv2d + maxpool2d fusion.
    yield ("activations",
           "2x8x8: conv2d(3, 3, padding=1), leakyrelu, maxpool2d(2), conv2d(4, 3, padding=same), gelu, maxpool2d(2), "
           "upsample(4), silu, convtranspose2d(2, 3, stride=2, padding=1, output_padding=1), silu, maxpool2d(2), gelu, "
           "flatten, leakyrelu, linear(9), gelu, linear(7), silu, linear(6), leakyrelu, linear(5)",
           [3, 2, 8, 8],
           [nn.Conv2d(2, 3, 3, padding=1), nn.LeakyReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 4, 3, padding="same"), nn.GELU(),
            nn.MaxPool2d(2), nn.Upsample(scale_factor=4, mode="nearest"), nn.SiLU(),
            nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), nn.SiLU(), nn.MaxPool2d(2), nn.GELU(),
            nn.Flatten(), nn.LeakyReLU(), nn.Linear(128, 9), nn.GELU(), nn.Linear(9, 7), nn.SiLU(), nn.Linear(7, 6),
            nn.LeakyReLU(), nn.Linear(6, 5)])
    # Residual blocks (training mode: batch normalisation on the batch's statistics): an
    # identity shortcut around conv, batchnorm2d, relu, conv, batchnorm2d, and a 1x1
    # projection with stride 2 where the block halves H x W and widens the channels.
    yield ("residual",
           "2x6x6: conv2d(4, 3, padding=same), residual(conv2d(4, 3, padding=same), batchnorm2d, relu, "
           "conv2d(4, 3, padding=same), batchnorm2d), relu, residual(conv2d(6, 3, stride=2, padding=1), tanh), relu, "
           "flatten, linear(3)",
           [3, 2, 6, 6],
           [nn.Conv2d(2, 4, 3, padding="same"),
            Residual([nn.Conv2d(4, 4, 3, padding="same"), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 4, 3, padding="same"),
                      nn.BatchNorm2d(4)]), nn.ReLU(),
            Residual([nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.Tanh()], nn.Conv2d(4, 6, 1, stride=2, bias=False)),
            nn.ReLU(), nn.Flatten(), nn.Linear(54, 3)])


def values(t):
    return [float("%.9g" % v) for v in t.detach().numpy().astype(np.float32).ravel().tolist()]


def require_pinned_torch():
    """Exits unless torch is the pinned version; says which versions run."""
    if torch.__version__.split("+")[0] != PIN:
        sys.exit(f"torch {PIN} is pinned, found {torch.__version__}")
    print(f"torch {torch.__version__}, numpy {np.__version__}", file=sys.stderr)


def main():
    require_pinned_torch()
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    # cases() builds each case's layers (drawing their initial weights) before the loop's
    # seed for that case: the first case's are drawn here, every later case's from the
    # previous case's seeded stream.
    torch.manual_seed(999)
    for k, (name, model, shape, layers) in enumerate(cases()):
        torch.manual_seed(1000 + k)
        net = Net(layers)
        with torch.no_grad():
            for pname, p in net.named_parameters():
                if pname.endswith("bias"):
                    p.uniform_(-0.5, 0.5)
        x = torch.randn(*shape, dtype=torch.float32, requires_grad=True)
        y = net(x)
        upstream = torch.randn(*y.shape, dtype=torch.float32)
        (y * upstream).sum().backward()
        fixture = {
            "case": name, "torch": torch.__version__, "model": model,
            "input": {"shape": list(x.shape), "values": values(x)},
            "parameters": {n: {"shape": list(p.shape), "values": values(p)} for n, p in net.named_parameters()},
            "output": {"shape": list(y.shape), "values": values(y)},
            "upstream": values(upstream),
            "gradients": {**{n: values(p.grad) for n, p in net.named_parameters()}, "input": values(x.grad)},
        }
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: output {list(y.shape)}, {sum(p.numel() for p in net.parameters())} parameters", file=sys.stderr)


if __name__ == "__main__":
    main()
