#!/usr/bin/env python3
"""Reference trajectories of torch.optim (and lion-pytorch) for Descent's optimizer tests.

Pinned: torch==2.15.0, numpy==2.4.6, lion-pytorch==0.2.5, schedulefree==1.4.1
(Tools/requirements-fixtures.txt; CPU, 1 thread); Lion's reference is lion_pytorch.Lion,
Schedule-Free AdamW's schedulefree.AdamWScheduleFree (foreach=False). Install outside
the repository, e.g.

    python3 -m venv /work/venv-torch && /work/venv-torch/bin/pip install -r Tools/requirements-fixtures.txt
    /work/venv-torch/bin/python Tools/make_optimizer_fixtures.py

Writes two sets, Tests/Fixtures/optimizers/<set>/<case>.json, one file per optimizer/option set:
  ieee-sqrt/   torch.optim's own code (foreach=False), except that every float32 square root
               it takes is correctly rounded: while the set is generated, Tensor.sqrt,
               Tensor.sqrt_, torch.sqrt, torch._foreach_sqrt and torch._foreach_sqrt_ are
               replaced by a version that computes in float64 and rounds to float32 (which is
               the correctly rounded result; every call also checks it against numpy's float32
               sqrt). The single-tensor paths of Adam/AdamW and Adagrad call Tensor.sqrt,
               RMSprop Tensor.sqrt (Tensor.sqrt_ when centered) and Adadelta Tensor.sqrt_ twice.
  torch-sqrt/  stock torch.optim with torch's own sqrt (the same entry points are only counted).
Why two sets: this torch build's CPU float32 sqrt is not correctly rounded (1 ulp off, either
way, for ~15% of inputs, on its vectorised and its scalar path; the script measures and prints
the fraction), while Descent's kernels use the IEEE sqrt (sqrtps). The ieee-sqrt set leaves
every other difference (operation order, fused multiply-adds, hyper-parameter rounding) to be
seen and is compared tightly; the torch-sqrt set is what stock PyTorch computes and is
compared with a tolerance that allows 1 ulp per square root.
The patch cannot silently miss: every case asserts the exact number of sqrt calls its rule
makes (0 for SGD and momentum), and rsqrt or pow with exponent +-0.5 (other ways to a square
root) raise while a set is generated.
Not patched: clip_grad_norm_ (torch.nn.utils, the *-clip cases) takes its norm inside a C++
reduction (torch.linalg.vector_norm), not through these entry points.

Each fixture holds:
  case, torch  the case name and the torch version
  sqrt         "ieee" (correctly rounded float32 sqrt) or "torch" (torch's own)
  sqrtCalls    calls per sqrt entry point while the case was generated (both workloads)
  config       the case as a Descent OptimizerConfig (JSON keys of the Swift struct)
  constant     two parameters (3x4 and 4) under a constant gradient for 1000 steps;
               values recorded after step 1 and every 50th step
  mlp          a 4-5-3 tanh MLP with MSE loss on fixed data for 20 steps; per step the
               gradient torch computed (before any clipping) and the parameters after the step.
  cnn          Muon's cases only: the same for a small CNN (cnn_workload).
  evaluation   Schedule-Free's cases only, beside each recorded "values" (y, where gradients
               are taken): the parameters at x after optimizer.eval(); .train() follows.
Muon's reference is torch.optim.Muon on the matrices and torch.optim.AdamW on the rest
(MuonAndAdamW), with its Newton-Schulz iteration in float32 instead of bfloat16.
The Swift tests replay the recorded gradients through their own optimizer (they do not
redo the MLP's forward/backward) and compare every element at every recorded step.
Hyper-parameters are rounded to float32 first so both sides use the same numbers.
"""
import importlib.metadata
import json
import math
import os
import sys
from collections import Counter

import numpy as np
import torch
import lion_pytorch
import schedulefree

from shampoo_reference import ShampooReference

PIN = "2.15.0"
LION_PIN = "0.2.5"
SCHEDULEFREE_PIN = "1.4.1"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "optimizers")
SETS = [("ieee-sqrt", "ieee"), ("torch-sqrt", "torch")]
# Square roots per parameter per step on the single-tensor (foreach=False) paths of torch 2.15.
SQRTS_PER_UPDATE = {"sgd": 0, "momentum": 0, "adagrad": 1, "rmsprop": 1, "adadelta": 2, "adam": 1, "adamw": 1,
                    "nadam": 1, "nadamw": 1, "radam": 1, "adamax": 0, "lion": 0, "muon": 1,
                    "schedulefree": 1, "shampoo": 1}


def sqrts_per_update(kind, shape):
    """Square roots per update of one parameter: Muon's matrices take none (its AdamW part, the
    parameters with fewer than 2 dimensions, takes AdamW's one)."""
    if kind == "muon":
        return 0 if len(shape) >= 2 else 1
    if kind == "shampoo":   # the graft's Adam on matrices, AdamW on the rest
        return 1
    return SQRTS_PER_UPDATE[kind]


def sqrt_updates(cfg, steps):
    """Of `steps` consecutive updates of one parameter, how many take the square roots: all,
    but RAdam's only once rho_t > 5 (before that it is momentum SGD, no square root)."""
    if cfg["kind"] != "radam":
        return steps
    b2 = f32(cfg.get("beta2", 0.999))
    rho_inf = 2 / (1 - b2) - 1
    return sum(1 for t in range(1, steps + 1) if rho_inf - 2 * t * b2 ** t / (1 - b2 ** t) > 5)


def f32(x):
    return float(np.float32(x))


CASES = [
    ("sgd", {"kind": "sgd"}),
    ("sgd-wd", {"kind": "sgd", "learningRate": 0.1, "weightDecay": 0.01}),
    ("sgd-aggressive", {"kind": "sgd", "learningRate": 1.0}),
    ("momentum", {"kind": "momentum"}),
    ("momentum-nesterov", {"kind": "momentum", "nesterov": True}),
    ("momentum-dampening-wd", {"kind": "momentum", "dampening": 0.1, "weightDecay": 0.001}),
    ("momentum-aggressive", {"kind": "momentum", "learningRate": 0.5}),
    ("adagrad", {"kind": "adagrad"}),
    ("adagrad-options", {"kind": "adagrad", "epsilon": 1e-8, "initialAccumulatorValue": 0.1, "weightDecay": 0.01}),
    ("adagrad-aggressive", {"kind": "adagrad", "learningRate": 1.0}),
    ("rmsprop", {"kind": "rmsprop"}),
    ("rmsprop-centered", {"kind": "rmsprop", "centered": True}),
    ("rmsprop-momentum", {"kind": "rmsprop", "momentum": 0.9}),
    ("rmsprop-centered-momentum-wd", {"kind": "rmsprop", "centered": True, "momentum": 0.5, "weightDecay": 0.01}),
    ("rmsprop-aggressive", {"kind": "rmsprop", "learningRate": 0.1}),
    ("adadelta", {"kind": "adadelta"}),
    ("adadelta-options", {"kind": "adadelta", "learningRate": 0.5, "rho": 0.9, "epsilon": 1e-5, "weightDecay": 0.01}),
    ("adadelta-aggressive", {"kind": "adadelta", "learningRate": 10.0}),
    ("adam", {"kind": "adam"}),
    ("adam-amsgrad", {"kind": "adam", "amsgrad": True}),
    ("adam-wd", {"kind": "adam", "weightDecay": 0.01}),
    ("adam-betas", {"kind": "adam", "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-6}),
    ("adam-aggressive", {"kind": "adam", "learningRate": 0.1}),
    ("adamw", {"kind": "adamw"}),
    ("adamw-amsgrad", {"kind": "adamw", "amsgrad": True, "weightDecay": 0.1}),
    ("adamw-aggressive", {"kind": "adamw", "learningRate": 0.1}),
    ("nadam", {"kind": "nadam"}),
    ("nadam-wd", {"kind": "nadam", "weightDecay": 0.01}),
    ("nadam-options", {"kind": "nadam", "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6, "momentumDecay": 0.01}),
    ("nadam-aggressive", {"kind": "nadam", "learningRate": 0.1}),
    ("nadamw", {"kind": "nadamw"}),
    ("nadamw-aggressive", {"kind": "nadamw", "learningRate": 0.1, "weightDecay": 0.1}),
    ("radam", {"kind": "radam"}),
    ("radam-wd", {"kind": "radam", "weightDecay": 0.01}),
    ("radam-betas", {"kind": "radam", "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-6}),
    ("radam-aggressive", {"kind": "radam", "learningRate": 0.1}),
    ("adamax", {"kind": "adamax"}),
    ("adamax-wd", {"kind": "adamax", "weightDecay": 0.01}),
    ("adamax-betas", {"kind": "adamax", "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-6}),
    ("adamax-aggressive", {"kind": "adamax", "learningRate": 0.1}),
    ("lion", {"kind": "lion"}),
    ("lion-wd", {"kind": "lion", "learningRate": 0.001, "weightDecay": 0.1}),
    ("lion-betas", {"kind": "lion", "beta1": 0.95, "beta2": 0.98}),
    ("lion-aggressive", {"kind": "lion", "learningRate": 0.1}),
    ("muon", {"kind": "muon"}),
    ("muon-docs-example", {"kind": "muon", "learningRate": 0.02, "adamLearningRate": 3e-4}),
    ("muon-plain", {"kind": "muon", "learningRate": 0.01, "momentum": 0.9, "nesterov": False, "weightDecay": 0.0}),
    ("muon-rms", {"kind": "muon", "learningRate": 0.01, "matchRMSAdamW": True, "nsSteps": 3,
                  "adamWeightDecay": 0.1, "beta1": 0.8}),
    ("schedulefree", {"kind": "schedulefree"}),
    ("schedulefree-wd-warmup", {"kind": "schedulefree", "weightDecay": 0.01, "warmupSteps": 10}),
    ("schedulefree-options", {"kind": "schedulefree", "beta1": 0.95, "beta2": 0.99, "epsilon": 1e-6,
                              "averagingPower": 1, "weightLRPower": 1}),
    ("schedulefree-aggressive", {"kind": "schedulefree", "learningRate": 0.1}),
    # Shampoo at rootEpsilon >= 1e-3 where a factor stays rank-deficient: the constant gradient's 4x4 R
    # has rank 3, and at a small rootEpsilon its null eigenvalue (float32 rounding, ~1e-7 of the largest)
    # decides a weight of up to rootEpsilon^(-1/4); float32 implementations then drift from the float64
    # trajectory by percents (this reference too; see docs/optimizers.md).
    ("shampoo", {"kind": "shampoo", "rootEpsilon": 1e-3}),
    ("shampoo-every-step", {"kind": "shampoo", "learningRate": 0.01, "updateFrequency": 1, "rootEpsilon": 1e-2}),
    ("shampoo-blocked", {"kind": "shampoo", "learningRate": 0.01, "updateFrequency": 3, "blockSize": 2,
                         "rootEpsilon": 1e-6}),
    ("shampoo-wd", {"kind": "shampoo", "learningRate": 0.003, "updateFrequency": 5, "weightDecay": 0.01,
                    "beta1": 0.8, "beta2": 0.99, "rootEpsilon": 1e-3}),
    ("adam-clip", {"kind": "adam", "clipNorm": 0.5}),
    ("sgd-clip", {"kind": "sgd", "learningRate": 0.1, "clipNorm": 1.0}),
    ("sgd-step-schedule", {"kind": "sgd", "learningRate": 0.1, "schedule": {"step": {"every": 5, "factor": 0.5}}}),
    ("adam-cosine-schedule", {"kind": "adam", "learningRate": 0.01,
                              "schedule": {"cosine": {"totalSteps": 20, "minimum": 1e-4}}}),
    ("momentum-warmup-schedule", {"kind": "momentum", "learningRate": 0.05,
                                  "schedule": {"linearWarmup": {"steps": 5, "startFactor": 0.1,
                                                                "then": {"cosine": {"totalSteps": 15, "minimum": 0}}}}}),
]


def make_optimizer(cfg, params):
    kind = cfg["kind"]

    def g(key, default):
        return f32(cfg.get(key, default))

    wd = g("weightDecay", 0.01 if kind in ("adamw", "nadamw") else 0.0)
    betas = (g("beta1", 0.9), g("beta2", 0.99 if kind == "lion" else 0.999))
    if kind == "sgd":
        return torch.optim.SGD(params, lr=g("learningRate", 0.01), weight_decay=wd, foreach=False)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=g("learningRate", 0.01), momentum=g("momentum", 0.9),
                               dampening=g("dampening", 0.0), nesterov=cfg.get("nesterov", False),
                               weight_decay=wd, foreach=False)
    if kind == "adagrad":
        return torch.optim.Adagrad(params, lr=g("learningRate", 0.01), eps=g("epsilon", 1e-10),
                                   initial_accumulator_value=g("initialAccumulatorValue", 0.0),
                                   weight_decay=wd, foreach=False)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=g("learningRate", 0.001), alpha=g("alpha", 0.99),
                                   eps=g("epsilon", 1e-8), momentum=g("momentum", 0.0),
                                   centered=cfg.get("centered", False), weight_decay=wd, foreach=False)
    if kind == "adadelta":
        return torch.optim.Adadelta(params, lr=g("learningRate", 1.0), rho=g("rho", 0.95),
                                    eps=g("epsilon", 1e-6), weight_decay=wd, foreach=False)
    if kind in ("nadam", "nadamw"):
        return torch.optim.NAdam(params, lr=g("learningRate", 0.002), betas=betas, eps=g("epsilon", 1e-8),
                                 weight_decay=wd, momentum_decay=g("momentumDecay", 0.004),
                                 decoupled_weight_decay=(kind == "nadamw"), foreach=False)
    if kind == "radam":
        return torch.optim.RAdam(params, lr=g("learningRate", 0.001), betas=betas, eps=g("epsilon", 1e-8),
                                 weight_decay=wd, foreach=False)
    if kind == "adamax":
        return torch.optim.Adamax(params, lr=g("learningRate", 0.002), betas=betas, eps=g("epsilon", 1e-8),
                                  weight_decay=wd, foreach=False)
    if kind == "lion":
        return lion_pytorch.Lion(params, lr=g("learningRate", 1e-4), betas=betas, weight_decay=wd)
    if kind == "muon":
        return MuonAndAdamW(cfg, params)
    if kind == "shampoo":
        return ShampooReference(params, lr=g("learningRate", 0.001), betas=betas, eps=g("epsilon", 1e-8),
                                root_eps=g("rootEpsilon", 1e-12), update_frequency=int(cfg.get("updateFrequency", 10)),
                                block_size=int(cfg.get("blockSize", 1024)), weight_decay=wd)
    if kind == "schedulefree":
        opt = schedulefree.AdamWScheduleFree(params, lr=g("learningRate", 0.0025), betas=betas,
                                             eps=g("epsilon", 1e-8), weight_decay=wd,
                                             warmup_steps=int(cfg.get("warmupSteps", 0)),
                                             r=g("averagingPower", 0.0), weight_lr_power=g("weightLRPower", 2.0),
                                             foreach=False)
        opt.train()
        return opt
    cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return cls(params, lr=g("learningRate", 0.001), betas=(g("beta1", 0.9), g("beta2", 0.999)),
               eps=g("epsilon", 1e-8), amsgrad=cfg.get("amsgrad", False), weight_decay=wd, foreach=False)


class MuonAndAdamW:
    """torch.optim.Muon on the 2-D parameters and torch.optim.AdamW on the others, as Muon's
    documentation prescribes (convolution weights are 2-D parameters out x in*k*k here, viewed
    as 4-D in the forward pass: torch's Muon takes only 2-D ones). The Newton-Schulz iteration
    runs in float32, not torch's bfloat16: while Muon steps, torch.bfloat16 names float32 (the
    only dtype its _zeropower_via_newtonschulz converts to; checked in main)."""

    def __init__(self, cfg, params):
        def g(key, default):
            return f32(cfg.get(key, default))
        self.muon = torch.optim.Muon([p for p in params if p.ndim == 2], lr=g("learningRate", 0.001),
                                     weight_decay=g("weightDecay", 0.1), momentum=g("momentum", 0.95),
                                     nesterov=cfg.get("nesterov", True), ns_steps=int(cfg.get("nsSteps", 5)),
                                     adjust_lr_fn="match_rms_adamw" if cfg.get("matchRMSAdamW") else "original")
        self.adamw = torch.optim.AdamW([p for p in params if p.ndim != 2], lr=g("adamLearningRate", 0.001),
                                       betas=(g("beta1", 0.9), g("beta2", 0.999)), eps=g("epsilon", 1e-8),
                                       weight_decay=g("adamWeightDecay", 0.01), foreach=False)
        self.param_groups = self.muon.param_groups

    def step(self):
        with Float32NewtonSchulz():
            self.muon.step()
        self.adamw.step()


class Float32NewtonSchulz:
    def __enter__(self):
        self.saved = torch.bfloat16
        torch.bfloat16 = torch.float32
        return self

    def __exit__(self, *exc):
        torch.bfloat16 = self.saved
        return False


def schedule_value(s, t, base):
    """Closed forms, identical to LearningRateSchedule.value(at:base:) in Swift."""
    (name, a), = s.items()
    if name == "constant":
        return base
    if name == "step":
        return base * math.pow(f32(a["factor"]), float(t // max(a["every"], 1)))
    if name == "cosine":
        T = max(a["totalSteps"], 1)
        m = f32(a["minimum"])
        return m + (base - m) * (1 + math.cos(math.pi * float(min(t, T)) / float(T))) / 2
    if name == "linearWarmup":
        if t < a["steps"]:
            f = f32(a["startFactor"])
            return base * (f + (1 - f) * float(t) / float(a["steps"]))
        return schedule_value(a["then"], t - a["steps"], base)
    raise ValueError(name)


class Runner:
    def __init__(self, cfg, params):
        self.cfg = cfg
        self.params = params
        self.opt = make_optimizer(cfg, params)
        self.base = self.opt.param_groups[0]["lr"]
        self.t = 0

    def step(self):
        if "clipNorm" in self.cfg:
            torch.nn.utils.clip_grad_norm_(self.params, max_norm=f32(self.cfg["clipNorm"]), foreach=False)
        if "schedule" in self.cfg:
            self.opt.param_groups[0]["lr"] = f32(schedule_value(self.cfg["schedule"], self.t, self.base))
        self.opt.step()
        self.t += 1

    def evaluation_point(self):
        """Schedule-Free: the parameters at x (optimizer.eval(), then .train() again, as a
        training run evaluating here does; both are lerp_s, so the round trip is recorded as
        it rounds); None for the other rules."""
        if self.cfg["kind"] != "schedulefree":
            return None
        self.opt.eval()
        x = [as_list(p) for p in self.params]
        self.opt.train()
        return x


def as_list(t):
    return [float("%.9g" % x) for x in t.detach().numpy().astype(np.float32).ravel().tolist()]


def constant_workload(cfg):
    rng = np.random.default_rng(20261123)
    shapes = [[3, 4], [4]]
    init = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [(rng.normal(size=s) * 10.0 ** rng.uniform(-2, 1, size=s)).astype(np.float32) for s in shapes]
    grads[1][2] = 0.0  # a zero gradient element
    params = [torch.nn.Parameter(torch.from_numpy(x.copy())) for x in init]
    run = Runner(cfg, params)
    checkpoints = []
    for step in range(1, 1001):
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g.copy())
        run.step()
        if step == 1 or step % 50 == 0:
            checkpoints.append({"step": step, "values": [as_list(p) for p in params]})
            at_x = run.evaluation_point()
            if at_x is not None:
                checkpoints[-1]["evaluation"] = at_x
    return {"steps": 1000, "shapes": shapes, "initial": [as_list(torch.from_numpy(x)) for x in init],
            "gradient": [as_list(torch.from_numpy(g)) for g in grads], "checkpoints": checkpoints}


def mlp_workload(cfg):
    torch.manual_seed(7)
    w1 = torch.nn.Parameter(torch.randn(5, 4) * 0.5)
    b1 = torch.nn.Parameter(torch.randn(5) * 0.1)
    w2 = torch.nn.Parameter(torch.randn(3, 5) * 0.5)
    b2 = torch.nn.Parameter(torch.randn(3) * 0.1)
    x = torch.randn(8, 4)
    y = torch.randn(8, 3)
    params = [w1, b1, w2, b2]
    initial = [as_list(p) for p in params]
    run = Runner(cfg, params)
    steps = []
    for step in range(1, 21):
        for p in params:
            p.grad = None
        loss = torch.nn.functional.mse_loss(torch.tanh(x @ w1.T + b1) @ w2.T + b2, y)
        loss.backward()
        grads = [as_list(p.grad) for p in params]
        run.step()
        steps.append({"step": step, "loss": float("%.9g" % loss.item()), "gradient": grads,
                      "values": [as_list(p) for p in params]})
        at_x = run.evaluation_point()
        if at_x is not None:
            steps[-1]["evaluation"] = at_x
    return {"shapes": [list(p.shape) for p in params], "initial": initial, "steps": steps}


def cnn_workload(cfg):
    """Muon's cases only: a small CNN (conv 1->4 3x3, tanh, conv 4->3 3x3, tanh, linear 12->2)
    with MSE loss on fixed data for 20 steps. The convolution weights are 2-D parameters
    (out x in*3*3, what Muon orthogonalises) viewed as out x in x 3 x 3; `shapes` gives the
    4-D shapes Descent's convolutions have (same elements, same order)."""
    torch.manual_seed(11)
    w1 = torch.nn.Parameter(torch.randn(4, 9) * 0.4)
    b1 = torch.nn.Parameter(torch.randn(4) * 0.1)
    w2 = torch.nn.Parameter(torch.randn(3, 36) * 0.2)
    b2 = torch.nn.Parameter(torch.randn(3) * 0.1)
    w3 = torch.nn.Parameter(torch.randn(2, 12) * 0.3)
    b3 = torch.nn.Parameter(torch.randn(2) * 0.1)
    x = torch.randn(4, 1, 6, 6)
    y = torch.randn(4, 2)
    params = [w1, b1, w2, b2, w3, b3]
    shapes = [[4, 1, 3, 3], [4], [3, 4, 3, 3], [3], [2, 12], [2]]
    initial = [as_list(p) for p in params]
    run = Runner(cfg, params)
    steps = []
    for step in range(1, 21):
        for p in params:
            p.grad = None
        h = torch.tanh(torch.nn.functional.conv2d(x, w1.view(4, 1, 3, 3), b1))
        h = torch.tanh(torch.nn.functional.conv2d(h, w2.view(3, 4, 3, 3), b2))
        loss = torch.nn.functional.mse_loss(h.flatten(1) @ w3.T + b3, y)
        loss.backward()
        grads = [as_list(p.grad) for p in params]
        run.step()
        steps.append({"step": step, "loss": float("%.9g" % loss.item()), "gradient": grads,
                      "values": [as_list(p) for p in params]})
        at_x = run.evaluation_point()
        if at_x is not None:
            steps[-1]["evaluation"] = at_x
    return {"shapes": shapes, "initial": initial, "steps": steps}


def ieee_sqrt(x):
    """Correctly rounded float32 sqrt of a CPU float32 tensor: float64 sqrt, rounded once."""
    if x.dtype != torch.float32 or x.device.type != "cpu":
        raise TypeError(f"sqrt patch: expected a CPU float32 tensor, got {x.dtype} on {x.device}")
    a = x.detach().numpy()
    r = np.sqrt(a.astype(np.float64)).astype(np.float32)
    with np.errstate(invalid="ignore"):
        if not np.array_equal(r, np.sqrt(a), equal_nan=True):
            raise AssertionError("float64-rounded sqrt differs from numpy's float32 sqrt")
    return torch.from_numpy(r)


class SqrtPatch:
    """While active, counts the calls of every sqrt entry point and, with ieee=True, makes
    them correctly rounded; rsqrt and pow(±0.5) raise (torch.optim does not use them here)."""

    def __init__(self, ieee):
        self.ieee = ieee
        self.calls = Counter()
        self.saved = []

    def _set(self, owner, name, fn):
        self.saved.append((owner, name, owner.__dict__.get(name, None), name in owner.__dict__))
        setattr(owner, name, fn)

    def __enter__(self):
        T = torch.Tensor
        orig = {"Tensor.sqrt": T.sqrt, "Tensor.sqrt_": T.sqrt_, "torch.sqrt": torch.sqrt,
                "torch._foreach_sqrt": torch._foreach_sqrt, "torch._foreach_sqrt_": torch._foreach_sqrt_}
        ieee, calls = self.ieee, self.calls

        def sqrt(self_):
            calls["Tensor.sqrt"] += 1
            return ieee_sqrt(self_) if ieee else orig["Tensor.sqrt"](self_)

        def sqrt_(self_):
            calls["Tensor.sqrt_"] += 1
            if not ieee:
                return orig["Tensor.sqrt_"](self_)
            self_.copy_(ieee_sqrt(self_))
            return self_

        def torch_sqrt(x, *, out=None):
            calls["torch.sqrt"] += 1
            if not ieee:
                return orig["torch.sqrt"](x, out=out)
            r = ieee_sqrt(x)
            return r if out is None else out.copy_(r)

        def foreach_sqrt(xs):
            calls["torch._foreach_sqrt"] += 1
            return [ieee_sqrt(x) for x in xs] if ieee else orig["torch._foreach_sqrt"](xs)

        def foreach_sqrt_(xs):
            calls["torch._foreach_sqrt_"] += 1
            if not ieee:
                return orig["torch._foreach_sqrt_"](xs)
            for x in xs:
                x.copy_(ieee_sqrt(x))

        def forbidden(name):
            def f(*args, **kwargs):
                raise AssertionError(f"{name} reached while generating fixtures; patch it too")
            return f

        def guard_pow(name, fn):
            def f(*args, **kwargs):
                e = args[1] if len(args) > 1 else kwargs.get("exponent")
                if isinstance(e, (int, float)) and abs(e) == 0.5:
                    raise AssertionError(f"{name}(…, {e}) reached while generating fixtures; patch it too")
                return fn(*args, **kwargs)
            return f

        self._set(T, "sqrt", sqrt)
        self._set(T, "sqrt_", sqrt_)
        self._set(torch, "sqrt", torch_sqrt)
        self._set(torch, "_foreach_sqrt", foreach_sqrt)
        self._set(torch, "_foreach_sqrt_", foreach_sqrt_)
        for name in ("rsqrt", "rsqrt_"):
            self._set(T, name, forbidden("Tensor." + name))
        self._set(torch, "rsqrt", forbidden("torch.rsqrt"))
        for name in ("pow", "pow_", "__pow__"):
            self._set(T, name, guard_pow("Tensor." + name, getattr(T, name)))
        self._set(torch, "pow", guard_pow("torch.pow", torch.pow))
        return self

    def __exit__(self, *exc):
        for owner, name, value, had in reversed(self.saved):
            if had:
                setattr(owner, name, value)
            else:
                delattr(owner, name)
        self.saved = []
        return False


def torch_sqrt_mismatch():
    """Fraction of random float32 inputs where torch's sqrt is not correctly rounded."""
    x = np.random.default_rng(1).uniform(0, 10, size=100_000).astype(np.float32)
    return float(np.mean(torch.from_numpy(x).sqrt().numpy() != np.sqrt(x)))


def main():
    if not torch.__version__.startswith(PIN):
        sys.exit(f"expected torch {PIN}, found {torch.__version__}")
    if importlib.metadata.version("schedulefree") != SCHEDULEFREE_PIN:
        sys.exit(f"expected schedulefree {SCHEDULEFREE_PIN}, found {importlib.metadata.version('schedulefree')}")
    if importlib.metadata.version("lion-pytorch") != LION_PIN:
        sys.exit(f"expected lion-pytorch {LION_PIN}, found {importlib.metadata.version('lion-pytorch')}")
    torch.set_num_threads(1)
    with Float32NewtonSchulz():
        ns = torch.optim._muon._zeropower_via_newtonschulz(torch.randn(3, 5), (3.4445, -4.7750, 2.0315), 5, 1e-7)
    assert ns.dtype == torch.float32 and torch.bfloat16 is not torch.float32
    print(f"torch's float32 sqrt differs from the correctly rounded one on {torch_sqrt_mismatch():.1%} of inputs")
    for folder, mode in SETS:
        out = os.path.join(OUT, folder)
        os.makedirs(out, exist_ok=True)
        totals = Counter()
        for name, cfg in CASES:
            with SqrtPatch(ieee=(mode == "ieee")) as patch:
                constant, mlp = constant_workload(cfg), mlp_workload(cfg)
                cnn = cnn_workload(cfg) if cfg["kind"] in ("muon", "shampoo") else None
            calls = dict(sorted((k, v) for k, v in patch.calls.items() if v))
            expected = sum(sqrt_updates(cfg, steps) * sqrts_per_update(cfg["kind"], shape)
                           for w, steps in ((constant, constant["steps"]), (mlp, len(mlp["steps"])),
                                            (cnn, len(cnn["steps"]) if cnn else 0)) if w
                           for shape in w["shapes"])
            if sum(calls.values()) != expected:
                sys.exit(f"{folder}/{name}: {sum(calls.values())} sqrt calls, expected {expected}: {calls}")
            totals.update(calls)
            doc = {"case": name, "torch": PIN, "sqrt": mode, "sqrtCalls": calls, "config": cfg,
                   "constant": constant, "mlp": mlp}
            if cnn:
                doc["cnn"] = cnn
            with open(os.path.join(out, name + ".json"), "w") as f:
                json.dump(doc, f, separators=(",", ":"))
                f.write("\n")
        print(f"wrote {len(CASES)} fixtures to {os.path.normpath(out)} (sqrt: {mode}; calls {dict(totals)})")
    with SqrtPatch(ieee=True):   # the patch is live while active and undone afterwards
        x = torch.from_numpy(np.random.default_rng(2).uniform(0, 10, size=1000).astype(np.float32))
        assert np.array_equal(x.sqrt().numpy(), np.sqrt(x.numpy()))
    assert "sqrt" not in torch.Tensor.__dict__ and torch.sqrt.__module__ != __name__


if __name__ == "__main__":
    main()
