#!/usr/bin/env python3
"""Times the seed-mlp, seed-ae, lenet5, fmnist-2c2d (and resnet-fmnist) training epochs in PyTorch and JAX (CPU, 2 threads).

Identical workloads to descent-bench:
  seed-mlp: 784-784-784-10 ReLU, dropout 0.1 on the input and 0.5 after each hidden layer,
            Glorot-uniform weights, zero biases, softmax cross-entropy, Adam(1e-3),
            minibatch 128, reshuffled each epoch, 60,000 images (last batch partial).
  seed-ae:  784-100-784 sigmoid/sigmoid, masking noise 0.3 (fresh each epoch), MSE against
            the clean input, Adam(1e-3), minibatch 100.
  lenet5:   1x28x28: conv 6@5x5 pad 2, ReLU, max-pool 2, conv 16@5x5, ReLU, max-pool 2, 120, ReLU,
            84, ReLU, 10 (Descent's preset); softmax cross-entropy, Adam(1e-3), minibatch 128.
  fmnist-2c2d: DeepOBS's network: conv 32@5x5 same, ReLU, max-pool 2, conv 64@5x5 same, ReLU,
            max-pool 2, 1024, ReLU, 10; as lenet5 otherwise.
  resnet-fmnist: Descent's preset (PyTorch only): conv 24@3x3 same, batch norm, ReLU, three
            residual blocks (conv 3x3, BN, ReLU, conv 3x3, BN; + x or a 1x1 projection without
            bias) of 24, 48 (stride 2), 96 (stride 2) channels each followed by ReLU, average
            pool 7, 10; as lenet5 otherwise.
CNN weights are Glorot-uniform with zero biases, as Descent draws them; inputs N x 1 x 28 x 28.
Training epochs only (no evaluation); one warm-up epoch, then the best of --repeats.

Usage (normally through Tools/bench_peers.sh, which makes the virtualenv; `descent-bench
--peers PYTHON` runs it in every round beside its own epochs, one workload at a time):
  python Tools/bench_peers.py [--data DIR] [--repeats 3] [--frameworks torch,jax]
                              [--workloads seed-mlp,seed-ae,lenet5,fmnist-2c2d] [--images N] [--json]
"""
import argparse
import gzip
import json
import os
import platform
import sys
import time

import numpy as np

THREADS = int(os.environ.get("PEER_THREADS", "2"))  # 2 as in the issue; PEER_THREADS=1 for a loaded machine


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory):
    def find(name):
        for candidate in (name + ".gz", name):
            p = os.path.join(directory, candidate)
            if os.path.exists(p):
                return p
        raise SystemExit(f"{directory}: missing {name}(.gz)")
    x = read_idx(find("train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
    y = read_idx(find("train-labels-idx1-ubyte")).astype(np.int64)
    return x, y


SCALE = 1.0  # 60,000 / images when --images trains on a prefix
WORKLOADS = ["seed-mlp", "seed-ae", "lenet5", "fmnist-2c2d", "resnet-fmnist"]


def best_of(repeats, epoch, label=""):
    """Seconds per 60,000-image epoch: one warm-up epoch, then the best of `repeats`."""
    epoch()  # warm-up (compilation, allocator, thread pools)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        epoch()
        times.append((time.perf_counter() - t0) * SCALE)
        print(f"[peers] {label}: {times[-1]:.2f} s/epoch", file=sys.stderr, flush=True)
    return min(times), times


def time_workloads(framework, epochs, cnn, repeats, workloads, result):
    """Adds `<workload>_seconds` (best) and `<workload>_all` to `result` for each workload:
    the dense ones from `epochs`, the CNNs built by `cnn(name)` only when asked for."""
    for w in workloads:
        best, every = best_of(repeats, epochs[w] if w in epochs else cnn(w), f"{framework} {w}")
        key = w.replace("-", "_")
        result[f"{key}_seconds"], result[f"{key}_all"] = best, every
    return result


# ----------------------------------------------------------------------------- PyTorch

def bench_torch(x, y, repeats, workloads):
    import torch
    import torch.nn as nn
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    n = xt.shape[0]

    def glorot(m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)

    mlp = nn.Sequential(nn.Dropout(0.1), nn.Linear(784, 784), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(784, 784), nn.ReLU(), nn.Dropout(0.5), nn.Linear(784, 10))
    mlp.apply(glorot)
    mlp.train()
    xent = nn.CrossEntropyLoss()

    def trainer(net, loss_fn, batch, inputs, targets):
        """One epoch of Adam(1e-3) over reshuffled minibatches; `inputs()` gives the epoch's inputs."""
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)

        def epoch():
            xs = inputs()
            perm = torch.randperm(n)
            for s in range(0, n, batch):
                idx = perm[s:s + batch]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(net(xs[idx]), targets[idx])
                loss.backward()
                opt.step()
        return epoch

    mlp_epoch = trainer(mlp, xent, 128, lambda: xt, yt)
    ae = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 784), nn.Sigmoid())
    ae.apply(glorot)
    ae_epoch = trainer(ae, nn.MSELoss(), 100, lambda: xt * (torch.rand_like(xt) >= 0.3), xt)

    class Residual(nn.Module):
        """Descent's residual block: body(x) + x, or + a 1x1 convolution without bias."""
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                                      nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout))
            self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride, bias=False) if (cin, stride) != (cout, 1) else None

        def forward(self, x):
            return self.body(x) + (x if self.shortcut is None else self.shortcut(x))

    def cnn(name):
        if name == "lenet5":
            layers = [nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)]
        elif name == "resnet-fmnist":
            layers = [nn.Conv2d(1, 24, 3, padding=1), nn.BatchNorm2d(24), nn.ReLU(), Residual(24, 24, 1), nn.ReLU(),
                      Residual(24, 48, 2), nn.ReLU(), Residual(48, 96, 2), nn.ReLU(), nn.AvgPool2d(7), nn.Flatten(),
                      nn.Linear(96, 10)]
        else:
            layers = [nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3136, 1024), nn.ReLU(), nn.Linear(1024, 10)]
        net = nn.Sequential(*layers)
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        net.train()
        images = xt.reshape(-1, 1, 28, 28)
        return trainer(net, xent, 128, lambda: images, yt)

    result = {"version": torch.__version__, "threads": torch.get_num_threads()}
    return time_workloads("torch", {"seed-mlp": mlp_epoch, "seed-ae": ae_epoch}, cnn, repeats, workloads, result)


# ----------------------------------------------------------------------------- JAX

def bench_jax(x, y, repeats, workloads):
    import jax
    import jax.numpy as jnp

    def glorot(key, fan_in, fan_out):
        a = (6.0 / (fan_in + fan_out)) ** 0.5
        return (jax.random.uniform(key, (fan_in, fan_out), jnp.float32, -a, a), jnp.zeros((fan_out,), jnp.float32))

    def adam_init(params):
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
        return (zeros, zeros, jnp.zeros((), jnp.int32))

    def adam_update(params, grads, state, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        m, v, t = state
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        tf = t.astype(jnp.float32)
        step = lr / (1 - b1 ** tf)
        bc2 = jnp.sqrt(1 - b2 ** tf)
        params = jax.tree_util.tree_map(lambda p, m, v: p - step * m / (jnp.sqrt(v) / bc2 + eps), params, m, v)
        return params, (m, v, t)

    key = jax.random.PRNGKey(0)
    k1, k2, k3, key = jax.random.split(key, 4)
    mlp = [glorot(k1, 784, 784), glorot(k2, 784, 784), glorot(k3, 784, 10)]

    def dropout(key, h, p):
        keep = jax.random.bernoulli(key, 1 - p, h.shape)
        return jnp.where(keep, h / (1 - p), 0)

    def mlp_loss(params, xb, yb, key):
        ka, kb, kc = jax.random.split(key, 3)
        h = dropout(ka, xb, 0.1)
        h = dropout(kb, jax.nn.relu(h @ params[0][0] + params[0][1]), 0.5)
        h = dropout(kc, jax.nn.relu(h @ params[1][0] + params[1][1]), 0.5)
        logits = h @ params[2][0] + params[2][1]
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

    @jax.jit
    def mlp_step(params, state, xb, yb, key):
        grads = jax.grad(mlp_loss)(params, xb, yb, key)
        return adam_update(params, grads, state)

    n = x.shape[0]
    rng = np.random.default_rng(0)

    def trainer(step, params, batch, inputs, targets, key=None):
        """One epoch of `step` (Adam) over reshuffled minibatches; `inputs()` gives the epoch's
        inputs; with a `key`, the step also takes a fresh key per minibatch (dropout)."""
        state = [params, adam_init(params), key]

        def epoch():
            p, st, k = state
            xs = inputs()
            perm = rng.permutation(n)
            for s in range(0, n, batch):
                idx = perm[s:s + batch]
                if k is None:
                    p, st = step(p, st, xs[idx], targets[idx])
                else:
                    k, sub = jax.random.split(k)
                    p, st = step(p, st, xs[idx], targets[idx], sub)
            jax.block_until_ready(p)
            state[:] = [p, st, k]
        return epoch

    mlp_epoch = trainer(mlp_step, mlp, 128, lambda: x, y, key)

    k4, k5, key = jax.random.split(key, 3)
    ae = [glorot(k4, 784, 100), glorot(k5, 100, 784)]

    def ae_loss(params, xb, tb):
        h = jax.nn.sigmoid(xb @ params[0][0] + params[0][1])
        out = jax.nn.sigmoid(h @ params[1][0] + params[1][1])
        return jnp.mean((out - tb) ** 2)

    @jax.jit
    def ae_step(params, state, xb, tb):
        grads = jax.grad(ae_loss)(params, xb, tb)
        return adam_update(params, grads, state)

    ae_epoch = trainer(ae_step, ae, 100, lambda: x * (rng.random(x.shape, dtype=np.float32) >= 0.3), x)

    def glorot_conv(key, out_c, in_c, k):
        a = (6.0 / ((in_c + out_c) * k * k)) ** 0.5
        return (jax.random.uniform(key, (out_c, in_c, k, k), jnp.float32, -a, a), jnp.zeros((out_c,), jnp.float32))

    def conv(h, p, pad):
        out = jax.lax.conv_general_dilated(h, p[0], (1, 1), [(pad, pad), (pad, pad)],
                                           dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return out + p[1][None, :, None, None]

    def pool(h):
        return jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def cnn(name):
        if name == "resnet-fmnist":
            raise NotImplementedError("resnet-fmnist is timed in PyTorch only")
        nonlocal key
        ks = jax.random.split(key, 6)
        key = ks[0]
        if name == "lenet5":
            params = [glorot_conv(ks[1], 6, 1, 5), glorot_conv(ks[2], 16, 6, 5), glorot(ks[3], 400, 120), glorot(ks[4], 120, 84),
                      glorot(ks[5], 84, 10)]
            pads, dense = (2, 0), 3
        else:
            params = [glorot_conv(ks[1], 32, 1, 5), glorot_conv(ks[2], 64, 32, 5), glorot(ks[3], 3136, 1024), glorot(ks[4], 1024, 10)]
            pads, dense = (2, 2), 2

        def loss(params, xb, yb):
            h = pool(jax.nn.relu(conv(xb, params[0], pads[0])))
            h = pool(jax.nn.relu(conv(h, params[1], pads[1])))
            h = h.reshape(h.shape[0], -1)
            for i, (w, b) in enumerate(params[2:]):
                h = h @ w + b
                if i < dense - 1:
                    h = jax.nn.relu(h)
            logp = jax.nn.log_softmax(h)
            return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))

        @jax.jit
        def step(params, state, xb, yb):
            return adam_update(params, jax.grad(loss)(params, xb, yb), state)

        images = x.reshape(-1, 1, 28, 28)
        return trainer(step, params, 128, lambda: images, y)

    result = {"version": jax.__version__, "threads": THREADS, "devices": str(jax.devices())}
    return time_workloads("jax", {"seed-mlp": mlp_epoch, "seed-ae": ae_epoch}, cnn, repeats, workloads, result)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--frameworks", default="torch,jax")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated, from " + ", ".join(WORKLOADS))
    ap.add_argument("--images", type=int, default=60000,
                    help="train on the first N images and scale the times to 60,000 (as descent-bench --quick)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    workloads = args.workloads.split(",")
    if any(w not in WORKLOADS for w in workloads):
        sys.exit(f"--workloads: choose from {', '.join(WORKLOADS)}")
    x, y = load(args.data)
    x, y = x[:args.images], y[:args.images]
    global SCALE
    SCALE = 60000 / len(x)
    results = {"images": len(x), "load_average": os.getloadavg()[0], "machine": platform.platform(), "python": sys.version.split()[0], "cpus": os.cpu_count(),
               "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "repeats": args.repeats}
    for name in args.frameworks.split(","):
        fn = {"torch": bench_torch, "jax": bench_jax}[name]
        try:
            results[name] = fn(x, y, args.repeats, workloads)
        except Exception as e:  # report, keep going with the other framework
            results[name] = {"error": f"{type(e).__name__}: {e}"}
        print(f"[peers] {name}: {results[name]}", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(f"{results['machine']}, Python {results['python']}, {results['cpus']} CPUs, {results['date']}, "
              f"best of {args.repeats} epochs after 1 warm-up, {THREADS} threads, "
              f"{len(x)} images per epoch (scaled to 60,000), load average {results['load_average']:.1f} at start")
        print("| framework | version | " + " | ".join(f"{w} s/epoch" for w in workloads) + " |")
        print("|---|---|" + "---|" * len(workloads))
        for name in args.frameworks.split(","):
            r = results[name]
            if "error" in r:
                print(f"| {name} | — | {r['error']} |" + " |" * (len(workloads) - 1))
            else:
                cells = " | ".join(f"{r[w.replace('-', '_') + '_seconds']:.2f}" for w in workloads)
                print(f"| {name} | {r['version']} | {cells} |")


if __name__ == "__main__":
    main()
