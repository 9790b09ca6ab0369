#!/usr/bin/env python3
"""The Python side of the interop tests (Tests/DescentTests/CLI/InteropTests.swift): the
real consumers of what Descent writes, each printing one JSON object.

    interop_check.py torch CHECKPOINT --inputs X.u8 --outputs Y.f32
        PyTorch (Tools/descent_checkpoint.py's torch_module) on the images X against
        Descent's outputs Y.
    interop_check.py onnx MODEL.onnx --inputs X.u8 --outputs Y.f32 [--codes C.f32]
        onnx.checker (full check, shapes inferred), then ONNX Runtime on X against Y (the
        graph's first output) and C (its output "code", an autoencoder's encoder); lists the
        graph's inputs and outputs with their declared shapes ("N" for the batch) and the
        shapes ONNX Runtime gave.
    interop_check.py state-dict CHECKPOINT OUT.safetensors
        Rebuilds the torch module from CHECKPOINT and saves its state_dict with
        safetensors.torch.save_file (what `--init-from` reads).
    interop_check.py tensorboard RUN_DIR METRICS.jsonl [--tag-prefix P] [--learning-rate R]
        TensorBoard's EventAccumulator reads RUN_DIR; every scalar of METRICS.jsonl must come
        back, per epoch, equal (as float32, which is what an Event stores), and with R the
        learning rate of every epoch and of every step must be R; lists the steps of
        every scalar tag, the step scalars and the images (step, width, height, PNG bytes)
        it read.

X is N images of raw bytes (N x values per image, pixel / 255 is the input, as Descent's
batches compute it); Y is N x outputs little-endian float32, Descent's network in
evaluation mode. Comparisons report the largest absolute difference and how many rows'
first largest output (the predicted class) differ.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def load_pair(inputs, outputs, input_shape):
    x = np.fromfile(inputs, dtype=np.uint8)
    values = int(np.prod(input_shape))
    if x.size % values:
        sys.exit(f"{inputs}: {x.size} bytes is not a whole number of {values}-value images")
    n = x.size // values
    x = (x.astype(np.float32) / np.float32(255)).reshape([n] + list(input_shape))
    y = np.fromfile(outputs, dtype="<f4")
    if y.size % n:
        sys.exit(f"{outputs}: {y.size} floats for {n} images")
    return x, y.reshape(n, -1)


def compare(ours, theirs):
    theirs = np.asarray(theirs, dtype=np.float32).reshape(ours.shape)
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    return {"count": int(ours.shape[0]), "outputs": int(ours.shape[1]),
            "max_abs_diff": float(diff.max()), "finite": bool(np.isfinite(theirs).all()),
            "argmax_differences": int((ours.argmax(axis=1) != theirs.argmax(axis=1)).sum())}


def check_torch(args):
    import torch
    from descent_checkpoint import read_checkpoint, torch_module
    tensors, spec, _ = read_checkpoint(args.checkpoint)
    x, y = load_pair(args.inputs, args.outputs, spec["input"])
    model = torch_module(spec, tensors)
    with torch.no_grad():
        out = model(torch.from_numpy(x)).reshape(x.shape[0], -1).numpy()
    return dict(compare(y, out), backend="torch " + torch.__version__)


def declared(values):
    """A graph's inputs or outputs as {name, shape}, a symbolic dimension by its name."""
    return [{"name": v.name, "shape": [d.dim_param if d.HasField("dim_param") else d.dim_value
                                       for d in v.type.tensor_type.shape.dim]} for v in values]


def check_onnx(args):
    import onnx
    import onnxruntime as ort
    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    graph = model.graph
    input_shape = [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim][1:]
    x, y = load_pair(args.inputs, args.outputs, input_shape)
    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    names = [o.name for o in session.get_outputs()]
    outs = session.run(None, {name: x})
    result = dict(compare(y, outs[0].reshape(x.shape[0], -1)), backend="onnxruntime " + ort.__version__,
                  opset=[o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0],
                  input=name, output=names[0], checker="passed",
                  graph_inputs=declared(graph.input), graph_outputs=declared(graph.output),
                  run_shapes={n: list(o.shape) for n, o in zip(names, outs)})
    if args.codes:
        if "code" not in names:
            sys.exit(f"{args.model}: no output 'code' (outputs: {', '.join(names)})")
        c = np.fromfile(args.codes, dtype="<f4")
        if c.size % x.shape[0]:
            sys.exit(f"{args.codes}: {c.size} floats for {x.shape[0]} images")
        code = outs[names.index("code")]
        result["code"] = compare(c.reshape(x.shape[0], -1), code.reshape(x.shape[0], -1))
    return result


def state_dict(args):
    import torch
    from safetensors.torch import save_file
    from descent_checkpoint import read_checkpoint, torch_module
    tensors, spec, _ = read_checkpoint(args.checkpoint)
    model = torch_module(spec, tensors)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, args.out)
    return {"tensors": sorted(model.state_dict().keys()), "backend": "torch " + torch.__version__}


def check_tensorboard(args):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(args.run_dir, size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    tags = acc.Tags()["scalars"]
    with open(args.metrics) as f:
        epochs = [json.loads(line) for line in f if line.strip()]
    checked, problems = 0, []
    for m in epochs:
        for key, value in m.items():
            if key == "epoch" or not isinstance(value, (int, float)):
                continue
            tag = args.tag_prefix + key
            if tag not in tags:
                problems.append(f"no scalar {tag}")
                continue
            events = [e for e in acc.Scalars(tag) if e.step == m["epoch"]]
            if len(events) != 1:
                problems.append(f"{tag}: {len(events)} events at epoch {m['epoch']}")
                continue
            if not (events[0].value == np.float32(value) or (math.isnan(events[0].value) and math.isnan(value))):
                problems.append(f"{tag} epoch {m['epoch']}: {events[0].value} != {value}")
            checked += 1
    if args.learning_rate is not None:
        rate = np.float32(args.learning_rate)
        tag = args.tag_prefix + "learning_rate"
        events = acc.Scalars(tag) if tag in tags else []
        if sorted(e.step for e in events) != sorted(m["epoch"] for m in epochs):
            problems.append(f"{tag} at steps {[e.step for e in events]}")
        events += acc.Scalars("step/learning_rate") if "step/learning_rate" in tags else []
        problems += [f"learning rate {e.value} at step {e.step}, not {rate}" for e in events if e.value != rate]
        checked += len(events)
    import tensorboard
    steps = [e.step for e in acc.Scalars("step/train_loss")] if "step/train_loss" in tags else []
    tag_steps = {tag: [e.step for e in acc.Scalars(tag)] for tag in tags}
    images = {tag: [[e.step, e.width, e.height, len(e.encoded_image_string)] for e in acc.Images(tag)]
              for tag in acc.Tags()["images"]}
    return {"checked": checked, "problems": problems, "tags": sorted(tags), "step_events": len(steps), "images": images,
            "steps": steps, "tag_steps": tag_steps, "backend": "tensorboard " + tensorboard.__version__}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("torch")
    p.add_argument("checkpoint")
    p.add_argument("--inputs", required=True)
    p.add_argument("--outputs", required=True)
    p.set_defaults(run=check_torch)
    p = sub.add_parser("onnx")
    p.add_argument("model")
    p.add_argument("--inputs", required=True)
    p.add_argument("--outputs", required=True)
    p.add_argument("--codes")
    p.set_defaults(run=check_onnx)
    p = sub.add_parser("state-dict")
    p.add_argument("checkpoint")
    p.add_argument("out")
    p.set_defaults(run=state_dict)
    p = sub.add_parser("tensorboard")
    p.add_argument("run_dir")
    p.add_argument("metrics")
    p.add_argument("--tag-prefix", default="epoch/")
    p.add_argument("--learning-rate", type=float)
    p.set_defaults(run=check_tensorboard)
    args = parser.parse_args()
    print(json.dumps(args.run(args), sort_keys=True))


if __name__ == "__main__":
    main()
