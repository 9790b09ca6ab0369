"""The torch form of the `swish` layer kind, for Descent's Tools/descent_checkpoint.py:

    python3 Tools/descent_checkpoint.py CHECKPOINT --data-dir DIR --layers Examples/Swish/swish_torch.py

y = x * sigmoid(beta * x), beta one trained number (the checkpoint's layers.<i>.beta).
"""
import torch
from torch import nn


class Swish(nn.Module):
    def __init__(self, beta):
        super().__init__()
        self.beta = nn.Parameter(torch.tensor([float(beta)]))

    def forward(self, x):
        return x * torch.sigmoid(self.beta * x)


def torch_layers():
    """{kind: builder(layer description, input shape, modules built so far) -> module}."""
    return {"swish": lambda layer, shape, built: Swish(layer.get("beta", 1.0))}
