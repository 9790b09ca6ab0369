#!/usr/bin/env python3
"""Load a Descent checkpoint into numpy or PyTorch, and evaluate it on an IDX test set.

    python3 Tools/descent_checkpoint.py CHECKPOINT --data-dir DIR [--backend numpy|torch] [--json]

A Descent checkpoint (model.safetensors) holds every parameter under the name the model
description gives it (layers.<i>.weight, layers.<i>.bias: layer i of the description),
the optimizer's state under optimizer/..., and in its metadata the description itself
("model", JSON). `torch_module(spec, tensors)` builds the equivalent torch.nn module for
every layer kind (`torch_layers()`, one builder per kind), whose `layers` attribute is an
nn.Sequential with one module per described layer, so the state dict loads by name with
strict=True; `numpy_forward` computes dense networks with numpy alone. Conventions are
torch's: weights out x in (C_out x C x k x k), y = x W^T + b; a dense layer flattens its
input, as in Descent. InteropTests checks the torch module's outputs against Descent's
(lenet5, seed-mlp, conv-ae and a network of every layer kind) and its evaluation against
`descent evaluate`'s (accuracy, confusion matrix, loss and the mistakes' probabilities);
the command line evaluates classifiers (--json: everything, every mistake included).

A layer kind registered from outside Descent (a user's package) has its torch form in a
Python file of the user's, given with --layers FILE (repeatable): the file defines
`torch_layers()`, a dict {kind: builder} like the one below, and may define
`output_shape(layer, shape)` for kinds that change the shape (returning None for others).
Descent's Examples/Swish/swish_torch.py is one.

Needs numpy and safetensors; torch only for --backend torch.
"""
import argparse
import gzip
import importlib.util
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
        elif kind == "batchnorm1d":  # evaluation mode: the running statistics
            eps = np.float32(option(layer, "eps"))
            mean, var = tensors[f"layers.{i}.running_mean"], tensors[f"layers.{i}.running_var"]
            h = (h - mean) / np.sqrt(var + eps) * tensors[f"layers.{i}.weight"] + tensors[f"layers.{i}.bias"]
        else:
            raise NotImplementedError(f"layer {i}: '{kind}' has no numpy version here yet (use --backend torch)")
    return h


# ---- torch ------------------------------------------------------------------------------

# Each layer option a description leaves out has its default (descriptions store only the
# options that differ): the same defaults as the layer kinds in Sources/Descent/Layers.
DEFAULTS = {
    "conv2d": {"stride": 1, "padding": 0, "bias": True, "init": "glorot"},
    "convtranspose2d": {"stride": 1, "padding": 0, "output_padding": 0, "bias": True, "init": "glorot"},
    "maxpool2d": {"padding": 0},
    "avgpool2d": {"padding": 0},
    "upsample": {"scale": 2},
    "masking": {"inverted": False},
    "batchnorm1d": {"momentum": 0.1, "eps": 1e-5},
    "batchnorm2d": {"momentum": 0.1, "eps": 1e-5},
}


# Modules of a user's layer kinds, loaded by `load_layers` (--layers).
EXTRA_LAYERS = []


def load_layers(path):
    """Loads a user's file of torch forms (see the module's doc) and adds its kinds."""
    spec = importlib.util.spec_from_file_location(f"descent_layers_{len(EXTRA_LAYERS)}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"--layers: {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "torch_layers", None)):
        raise SystemExit(f"--layers: {path} defines no torch_layers()")
    EXTRA_LAYERS.append(module)


def option(layer, name):
    """A layer's option, or its default."""
    if name in layer:
        return layer[name]
    return DEFAULTS.get(layer["kind"], {}).get(name)


def output_shape(layer, shape):
    """The shape of one example after `layer`, given the shape before it (as LayerKind.outputShape)."""
    kind = layer["kind"]
    if kind == "linear":
        return [layer["units"]]
    if kind == "flatten":
        return [int(np.prod(shape))]
    if kind == "reshape":
        return [layer["channels"], layer["height"], layer["width"]]
    if kind == "upsample":
        s = option(layer, "scale")
        return [shape[0], shape[1] * s, shape[2] * s]
    if kind == "conv2d":
        k, s, p = layer["kernel"], option(layer, "stride"), option(layer, "padding")
        if p == "same":
            return [layer["out_channels"], shape[1], shape[2]]
        return [layer["out_channels"], (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1]
    if kind == "convtranspose2d":
        k, s, p, op = layer["kernel"], option(layer, "stride"), option(layer, "padding"), option(layer, "output_padding")
        return [layer["out_channels"]] + [(h - 1) * s - 2 * p + k + op for h in shape[1:]]
    if kind in ("maxpool2d", "avgpool2d"):
        k, p = layer["kernel"], option(layer, "padding")
        s = layer.get("stride", k)
        return [shape[0]] + [(h + 2 * p - k) // s + 1 for h in shape[1:]]
    if kind == "residual":
        for inner in layer["layers"]:
            shape = output_shape(inner, shape)
        return shape
    for module in EXTRA_LAYERS:
        given = module.output_shape(layer, shape) if callable(getattr(module, "output_shape", None)) else None
        if given is not None:
            return list(given)
    return shape  # activations, dropout, masking, sparsity, batch normalisation, a user's shape-keeping kinds


def torch_layers():
    """One builder per layer kind: (layer description, input shape, modules built so far) ->
    the torch.nn module of that layer, in evaluation mode the same function as Descent's."""
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

    def linear(layer, shape, built):
        if "tied" in layer:
            return TiedLinear(built[layer["tied"]], layer["units"])
        return DenseFlatten(int(np.prod(shape)), layer["units"])

    def conv2d(layer, shape, built):
        return nn.Conv2d(shape[0], layer["out_channels"], layer["kernel"], stride=option(layer, "stride"),
                         padding=option(layer, "padding"), bias=option(layer, "bias"))

    def convtranspose2d(layer, shape, built):
        return nn.ConvTranspose2d(shape[0], layer["out_channels"], layer["kernel"], stride=option(layer, "stride"),
                                  padding=option(layer, "padding"), output_padding=option(layer, "output_padding"),
                                  bias=option(layer, "bias"))

    class Residual(nn.Module):
        """y = body(x) + x, or + shortcut(x), a 1x1 convolution without bias, when the body
        changes the shape (Descent's residual; parameters layers.<i>.body.<j>.*, layers.<i>.shortcut.weight)."""
        def __init__(self, layer, shape):
            super().__init__()
            builders, modules, s = torch_layers(), [], list(shape)
            for inner in layer["layers"]:
                modules.append(builders[inner["kind"]](inner, s, modules))
                s = output_shape(inner, s)
            self.body = nn.Sequential(*modules)
            self.shortcut = None
            if s != list(shape):
                stride = next(k for k in range(1, max(shape[1:]) + 1)
                              if all((h - 1) // k + 1 == o for h, o in zip(shape[1:], s[1:])))
                self.shortcut = nn.Conv2d(shape[0], s[0], 1, stride=stride, bias=False)

        def forward(self, x):
            return self.body(x) + (x if self.shortcut is None else self.shortcut(x))

    def pool(module):
        return lambda layer, shape, built: module(layer["kernel"], stride=layer.get("stride", layer["kernel"]),
                                                  padding=option(layer, "padding"))

    builders = {
        "linear": linear,
        "relu": lambda layer, shape, built: nn.ReLU(),
        "sigmoid": lambda layer, shape, built: nn.Sigmoid(),
        "tanh": lambda layer, shape, built: nn.Tanh(),
        "leakyrelu": lambda layer, shape, built: nn.LeakyReLU(0.01),
        "gelu": lambda layer, shape, built: nn.GELU(),  # erf form
        "silu": lambda layer, shape, built: nn.SiLU(),
        "dropout": lambda layer, shape, built: nn.Dropout(layer["p"]),
        # Training-only noise, and a penalty on the code: the identity in evaluation mode.
        "masking": lambda layer, shape, built: nn.Identity(),
        "sparsity": lambda layer, shape, built: nn.Identity(),
        "flatten": lambda layer, shape, built: nn.Flatten(),
        "conv2d": conv2d,
        "convtranspose2d": convtranspose2d,
        # floor mode; average pooling counts the padding as zeros (count_include_pad=True)
        "maxpool2d": pool(nn.MaxPool2d),
        "avgpool2d": pool(nn.AvgPool2d),
        "upsample": lambda layer, shape, built: nn.Upsample(scale_factor=option(layer, "scale"), mode="nearest"),
        "reshape": lambda layer, shape, built: nn.Unflatten(1, (layer["channels"], layer["height"], layer["width"])),
        # running statistics are buffers of the checkpoint (num_batches_tracked a float there)
        "batchnorm1d": lambda layer, shape, built: nn.BatchNorm1d(shape[0], eps=option(layer, "eps"),
                                                                  momentum=option(layer, "momentum")),
        "batchnorm2d": lambda layer, shape, built: nn.BatchNorm2d(shape[0], eps=option(layer, "eps"),
                                                                  momentum=option(layer, "momentum")),
        "residual": lambda layer, shape, built: Residual(layer, shape),
    }
    for module in EXTRA_LAYERS:
        builders.update(module.torch_layers())
    return builders


def torch_module(spec, tensors=None):
    """The equivalent torch.nn.Module (parameters named as in the checkpoint), loaded from
    `tensors` when given, in evaluation mode. Its input is N x C x H x W (or N x D); its
    `layers` attribute is an nn.Sequential with one module per described layer, so
    `model.layers[:k]` is an autoencoder's encoder (k = spec["encoder_layers"])."""
    import torch
    from torch import nn

    builders = torch_layers()
    shape = list(spec["input"])
    modules = []
    for i, layer in enumerate(spec["layers"]):
        kind = layer["kind"]
        if kind not in builders:
            raise SystemExit(f"layer {i}: '{kind}' has no torch form here; give the file of its torch form with --layers")
        modules.append(builders[kind](layer, shape, modules))
        shape = output_shape(layer, shape)

    class DescentModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.input_shape = list(spec["input"])
            self.layers = nn.Sequential(*modules)

        def forward(self, x):
            x = x.reshape([x.shape[0]] + self.input_shape)
            return self.layers(x)

    model = DescentModel()
    if tensors is not None:
        def tensor(name, value):
            t = torch.from_numpy(value.copy())
            # Descent stores the count of batches as one float; torch as an int64 scalar.
            return t.reshape(()).long() if name.endswith("num_batches_tracked") else t
        model.load_state_dict({k: tensor(k, v) for k, v in tensors.items()}, strict=True)
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
    """As `descent evaluate` (ClassifierEvaluation): the mean softmax cross-entropy (float64
    sums), the number correct (first largest logit), the confusion matrix (rows: true
    class) and every mistake as [index, label, predicted, softmax probability of predicted]
    (1 / sum_c exp(z_c - z_predicted), the differences in float32), most confident first."""
    total, correct, confusion, mistakes = 0.0, 0, None, []
    for start in range(0, len(labels), batch):
        x = images[start:start + batch].astype(np.float32)[:, None, :, :] / np.float32(255)
        z32 = np.asarray(logits_of(x), dtype=np.float32)
        z = z32.astype(np.float64)
        y = labels[start:start + batch]
        if confusion is None:
            confusion = np.zeros((z.shape[1], z.shape[1]), dtype=np.int64)
        m = z.max(axis=1, keepdims=True)
        logsum = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
        total += float((logsum - z[np.arange(len(y)), y]).sum())
        predicted = z32.argmax(axis=1)
        correct += int((predicted == y).sum())
        np.add.at(confusion, (y, predicted), 1)
        for r in np.nonzero(predicted != y)[0]:
            d = (z32[r] - z32[r, predicted[r]]).astype(np.float64)
            mistakes.append([start + int(r), int(y[r]), int(predicted[r]), float(1 / np.exp(d).sum())])
    mistakes.sort(key=lambda m: (-m[3], m[0]))
    return total / len(labels), correct, confusion.tolist(), mistakes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist",
                        help="folder with t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]")
    parser.add_argument("--backend", choices=["numpy", "torch"], default="torch")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--layers", action="append", default=[], metavar="FILE",
                        help="a Python file with the torch forms of layer kinds registered outside Descent (repeatable)")
    args = parser.parse_args()
    for path in args.layers:
        load_layers(path)

    tensors, spec, metadata = read_checkpoint(args.checkpoint)
    if spec.get("loss") != "cross-entropy":
        sys.exit(f"{args.checkpoint}: an autoencoder; this command evaluates classifiers (torch_module builds it)")
    images = read_idx(args.data_dir, "t10k-images-idx3-ubyte")
    labels = read_idx(args.data_dir, "t10k-labels-idx1-ubyte").astype(np.int64)
    if args.backend == "torch":
        import torch
        model = torch_module(spec, tensors)
        with torch.no_grad():
            loss, correct, confusion, mistakes = evaluate(lambda x: model(torch.from_numpy(x)).numpy(), images, labels)
        version = "torch " + torch.__version__
    else:
        loss, correct, confusion, mistakes = evaluate(lambda x: numpy_forward(spec, tensors, x), images, labels)
        version = "numpy " + np.__version__
    result = {"checkpoint": args.checkpoint, "backend": version, "test_images": int(len(labels)),
              "correct": correct, "accuracy": correct / len(labels), "loss": loss,
              "confusion": confusion, "mistakes": mistakes, "parameters": sorted(tensors.keys())}
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(f"{args.checkpoint} ({version}): test accuracy {result['accuracy']:.4f} ({correct}/{len(labels)}), loss {loss:.4f}")


if __name__ == "__main__":
    main()
