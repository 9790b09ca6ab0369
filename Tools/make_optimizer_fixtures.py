#!/usr/bin/env python3
"""Reference trajectories of torch.optim for Descent's optimizer tests.

Pinned: torch==2.15.0, numpy==2.4.6 (Tools/requirements-fixtures.txt; CPU, 1 thread). Install outside
the repository, e.g.

    python3 -m venv /work/venv-torch && /work/venv-torch/bin/pip install -r Tools/requirements-fixtures.txt
    /work/venv-torch/bin/python Tools/make_optimizer_fixtures.py

Writes Tests/Fixtures/optimizers/<case>.json, one file per optimizer/option set:
  config    the case as a Descent OptimizerConfig (JSON keys of the Swift struct)
  constant  two parameters (3x4 and 4) under a constant gradient for 1000 steps;
            values recorded after step 1 and every 50th step
  mlp       a 4-5-3 tanh MLP with MSE loss on fixed data for 20 steps; per step the
            gradient torch computed (before any clipping) and the parameters after the step.
The Swift tests replay the recorded gradients through their own optimizer (they do not
redo the MLP's forward/backward) and compare every element at every recorded step.
Hyper-parameters are rounded to float32 first so both sides use the same numbers.
"""
import json
import math
import os
import sys

import numpy as np
import torch

PIN = "2.15.0"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "optimizers")


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

    wd = g("weightDecay", 0.01 if kind == "adamw" else 0.0)
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
    cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return cls(params, lr=g("learningRate", 0.001), betas=(g("beta1", 0.9), g("beta2", 0.999)),
               eps=g("epsilon", 1e-8), amsgrad=cfg.get("amsgrad", False), weight_decay=wd, foreach=False)


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
    return {"shapes": [list(p.shape) for p in params], "initial": initial, "steps": steps}


def main():
    if not torch.__version__.startswith(PIN):
        sys.exit(f"expected torch {PIN}, found {torch.__version__}")
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for name, cfg in CASES:
        doc = {"case": name, "torch": PIN, "config": cfg,
               "constant": constant_workload(cfg), "mlp": mlp_workload(cfg)}
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
    print(f"wrote {len(CASES)} fixtures to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
