#!/usr/bin/env python3
"""Load a Descent checkpoint into numpy or PyTorch, and evaluate it on an IDX test set.

    python3 Tools/descent_checkpoint.py CHECKPOINT --data-dir DIR [--backend numpy|torch] [--json]

A Descent checkpoint (model.safetensors) holds every parameter under the name the model
description gives it (layers.<i>.weight, layers.<i>.bias: layer i of the description),
the optimizer's state under optimizer/..., and in its metadata the description itself
("model", JSON). `torch_module(checkpoint)` builds the equivalent torch.nn module, whose
`layers` attribute is an nn.Sequential with one module per described layer, so the
state dict loads by name with strict=True; `numpy_forward` computes the same network with
numpy alone (what CI checks, since torch is large). Conventions are torch's: weights
out x in, y = x W^T + b; a dense layer flattens its input, as in Descent.

Needs numpy and safetensors; torch only for --backend torch.
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def read_checkpoint(path):
    """The parameter arrays (optimizer state left out), the model description and the metadata."""
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata() or {}
    if "model" not in metadata:
        sys.exit(f"{path}: no model description in the metadata (not a Descent checkpoint)")
    tensors = {k: v for k, v in load_file(path).items() if not k.startswith("optimizer/")}
    return tensors, json.loads(metadata["model"]), metadata


# ---- numpy ------------------------------------------------------------------------------

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def numpy_forward(spec, tensors, x):
    """The network in evaluation mode on a float32 batch x (N x C x H x W or N x D)."""
    layers = spec["layers"]
    h = x.astype(np.float32)
    for i, layer in enumerate(layers):
        kind = layer["kind"]
        if kind == "linear":
            h = h.reshape(h.shape[0], -1)
            if "tied" in layer:
                w = tensors[f"layers.{layer['tied']}.weight"].T
            else:
                w = tensors[f"layers.{i}.weight"]
            h = h @ w.T + tensors[f"layers.{i}.bias"]
        elif kind == "relu":
            h = np.maximum(h, 0)
        elif kind == "sigmoid":
            h = _sigmoid(h)
        elif kind == "tanh":
            h = np.tanh(h)
        elif kind in ("dropout", "masking", "sparsity"):
            pass  # identity in evaluation mode
        elif kind == "flatten":
            h = h.reshape(h.shape[0], -1)
        else:
            raise NotImplementedError(f"layer {i}: '{kind}' has no numpy version here yet (use --backend torch)")
    return h


# ---- torch ------------------------------------------------------------------------------

def torch_module(spec, tensors=None):
    """The equivalent torch.nn.Module (parameters named as in the checkpoint), loaded from
    `tensors` when given, in evaluation mode."""
    import torch
    from torch import nn

    class DenseFlatten(nn.Linear):
        """nn.Linear that flattens its input first, as Descent's dense layer does."""
        def forward(self, x):
            return super().forward(x.flatten(1))

    class TiedLinear(nn.Module):
        """A decoder using another linear layer's weight transposed, with its own bias."""
        def __init__(self, encoder, features):
            super().__init__()
            self.__dict__["encoder"] = encoder  # not a submodule: the weight is listed once
            self.bias = nn.Parameter(torch.zeros(features))

        def forward(self, x):
            return nn.functional.linear(x.flatten(1), self.encoder.weight.t(), self.bias)

    def values(shape):
        n = 1
        for s in shape:
            n *= s
        return n

    shape = list(spec["input"])
    modules = []
    for i, layer in enumerate(spec["layers"]):
        kind = layer["kind"]
        if kind == "linear":
            if "tied" in layer:
                modules.append(TiedLinear(modules[layer["tied"]], layer["units"]))
            else:
                modules.append(DenseFlatten(values(shape), layer["units"]))
            shape = [layer["units"]]
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "sigmoid":
            modules.append(nn.Sigmoid())
        elif kind == "tanh":
            modules.append(nn.Tanh())
        elif kind == "dropout":
            modules.append(nn.Dropout(layer["p"]))
        elif kind in ("masking", "sparsity"):
            modules.append(nn.Identity())  # training-only noise / a penalty on the code
        elif kind == "flatten":
            modules.append(nn.Flatten())
            shape = [values(shape)]
        else:
            raise NotImplementedError(f"layer {i}: '{kind}' has no torch version here yet")

    class DescentModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.input_shape = list(spec["input"])
            self.layers = nn.Sequential(*modules)

        def forward(self, x):
            if len(self.input_shape) == 1:
                x = x.flatten(1)
            return self.layers(x)

    model = DescentModel()
    if tensors is not None:
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()}, strict=True)
    return model.eval()


# ---- data and evaluation ----------------------------------------------------------------

def read_idx(directory, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            dims = data[3]
            shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    sys.exit(f"{directory}: missing {name}(.gz)")


def evaluate(logits_of, images, labels, batch=1000):
    """Mean softmax cross-entropy and accuracy (first largest logit), in float64 sums."""
    total, correct = 0.0, 0
    for start in range(0, len(labels), batch):
        x = images[start:start + batch].astype(np.float32)[:, None, :, :] / np.float32(255)
        z = np.asarray(logits_of(x), dtype=np.float32).astype(np.float64)
        y = labels[start:start + batch]
        m = z.max(axis=1, keepdims=True)
        logsum = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
        total += float((logsum - z[np.arange(len(y)), y]).sum())
        correct += int((z.argmax(axis=1) == y).sum())
    return total / len(labels), correct


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist",
                        help="folder with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]")
    parser.add_argument("--backend", choices=["numpy", "torch"], default="torch")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tensors, spec, metadata = read_checkpoint(args.checkpoint)
    images = read_idx(args.data_dir, "t10k-images-idx3-ubyte")
    labels = read_idx(args.data_dir, "t10k-labels-idx1-ubyte").astype(np.int64)
    if args.backend == "torch":
        import torch
        model = torch_module(spec, tensors)
        with torch.no_grad():
            loss, correct = evaluate(lambda x: model(torch.from_numpy(x)).numpy(), images, labels)
        version = "torch " + torch.__version__
    else:
        loss, correct = evaluate(lambda x: numpy_forward(spec, tensors, x), images, labels)
        version = "numpy " + np.__version__
    result = {"checkpoint": args.checkpoint, "backend": version, "test_images": int(len(labels)),
              "correct": correct, "accuracy": correct / len(labels), "loss": loss,
              "parameters": sorted(tensors.keys())}
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(f"{args.checkpoint} ({version}): test accuracy {result['accuracy']:.4f} ({correct}/{len(labels)}), loss {loss:.4f}")


if __name__ == "__main__":
    main()
