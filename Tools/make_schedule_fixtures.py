#!/usr/bin/env python3
"""Learning rates of torch's schedulers for Descent's --schedule/--warmup tests.

Pinned: torch==2.15.0 (Tools/requirements-fixtures.txt). Run with the fixture venv:

    /work/venv-torch/bin/python Tools/make_schedule_fixtures.py

Writes Tests/Fixtures/schedules/torch-schedulers.json: per case, the request as the command
line gives it (schedule, warmup, minLR, decayEvery, decayFactor), the run's length in steps,
the base lr, and the lr torch's scheduler sets for each of the run's steps (read from the
param group before each optimizer.step(), then scheduler.step()). The torch side:
  warm-up W > 0   LinearLR(start_factor=1/W, end_factor=1, total_iters=W), then the schedule
                  below over the remaining steps, joined by SequentialLR(milestones=[W])
  constant        ConstantLR(factor=1, total_iters=0) (after a warm-up; alone: no scheduler)
  cosine          CosineAnnealingLR(T_max=steps - W, eta_min=minLR)
  linear          LinearLR(start_factor=1, end_factor=minLR/lr, total_iters=steps - W)
  step            StepLR(step_size=decayEvery, gamma=decayFactor)
A warm-up given as a fraction f is round(f * steps) steps (Python's round; no .5 cases here).
"""
import json
import os
import sys

import torch

PIN = "2.15.0"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "schedules")

CASES = [
    {"name": "cosine", "schedule": "cosine", "steps": 200, "lr": 0.1},
    {"name": "cosine-min-warmup", "schedule": "cosine", "warmup": "20", "minLR": 0.001, "steps": 300, "lr": 0.05},
    {"name": "cosine-warmup-fraction", "schedule": "cosine", "warmup": "0.05", "steps": 940, "lr": 0.02},
    {"name": "linear", "schedule": "linear", "minLR": 0.0001, "steps": 150, "lr": 0.01},
    {"name": "linear-warmup", "schedule": "linear", "warmup": "10", "steps": 100, "lr": 0.3},
    {"name": "step", "schedule": "step", "decayEvery": 30, "steps": 200, "lr": 0.1},
    {"name": "step-factor-warmup", "schedule": "step", "decayEvery": 7, "decayFactor": 0.5, "warmup": "5", "steps": 60, "lr": 1.0},
    {"name": "constant-warmup", "schedule": "constant", "warmup": "0.1", "steps": 120, "lr": 0.001},
]


def warmup_steps(case):
    w = case.get("warmup")
    if w is None:
        return 0
    return int(w) if w.isdigit() else round(float(w) * case["steps"])


def lrs(case):
    p = torch.nn.Parameter(torch.zeros(1))
    lr = float(torch.tensor(case["lr"], dtype=torch.float32))
    opt = torch.optim.SGD([p], lr=lr)
    steps, w = case["steps"], warmup_steps(case)
    rest = max(steps - w, 1)
    kind = case["schedule"]
    if kind == "cosine":
        main = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=rest, eta_min=case.get("minLR", 0.0))
    elif kind == "linear":
        main = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=case.get("minLR", 0.0) / lr,
                                                 total_iters=rest)
    elif kind == "step":
        main = torch.optim.lr_scheduler.StepLR(opt, step_size=case["decayEvery"], gamma=case.get("decayFactor", 0.1))
    else:
        main = torch.optim.lr_scheduler.ConstantLR(opt, factor=1.0, total_iters=0)
    scheduler = main
    if w > 0:
        # SequentialLR steps every scheduler once at construction: build the warm-up last.
        warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / w, end_factor=1.0, total_iters=w)
        scheduler = torch.optim.lr_scheduler.SequentialLR(opt, [warm, main], milestones=[w])
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros(1)
        opt.step()
        scheduler.step()
    return out


def main():
    if not torch.__version__.startswith(PIN):
        sys.exit(f"expected torch {PIN}, found {torch.__version__}")
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for case in CASES:
        c = dict(case)
        c["warmupSteps"] = warmup_steps(case)
        c["learningRates"] = lrs(case)
        cases.append(c)
    with open(os.path.join(OUT, "torch-schedulers.json"), "w") as f:
        json.dump({"torch": PIN, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
