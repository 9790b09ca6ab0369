#!/usr/bin/env bash
# Descent's VAE anchor, measured side by side: for each seed, the vae-mlp preset trained by the
# release `descent autoencoder` and by PyTorch (Tools/vae_anchor.py) from the same initial weights,
# one after the other on 2 threads, then a summary: mean test -ELBO of each and the ratio of
# their mean training-epoch seconds. One JSON line per run into OUT (default
# docs/measurements/vae-anchor.jsonl), the summary on stdout.
#
#   Tools/vae_anchor.sh PYTHON [EPOCHS=10] [SEEDS="0 1 2"] [OUT]
#
# PYTHON: a Python with torch 2.15.0, numpy and safetensors (the peers' virtualenv). Build the
# release binary first: swift build -c release --scratch-path .build-release --product descent.
# Fashion-MNIST is read from DATA (default /usr/share/datasets/fashion-mnist).
set -euo pipefail
PYTHON=${1:?usage: Tools/vae_anchor.sh PYTHON [EPOCHS] [SEEDS] [OUT]}
EPOCHS=${2:-10}
SEEDS=${3:-0 1 2}
OUT=${4:-docs/measurements/vae-anchor.jsonl}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
DESCENT=${DESCENT:-.build-release/release/descent}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
: > "$OUT"
for seed in $SEEDS; do
  "$DESCENT" autoencoder --data-dir "$DATA" --model vae-mlp --corruption 0 --optimizer adam --epochs 0 --seed "$seed" \
    --iwae-samples 0 --probe-epochs 0 --no-pca --no-pictures --threads 2 --out "$WORK/init$seed" > /dev/null
  "$DESCENT" autoencoder --data-dir "$DATA" --model vae-mlp --corruption 0 --optimizer adam --epochs "$EPOCHS" --seed "$seed" \
    --iwae-samples 0 --probe-epochs 0 --no-pca --no-pictures --threads 2 --out "$WORK/descent$seed" > /dev/null
  "$PYTHON" - "$WORK/descent$seed"/*/metrics.json "$seed" >> "$OUT" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
v = m["variational"]
print(json.dumps({"framework": "descent", "threads": 2, "seed": int(sys.argv[2]),
                  "epochs": [{"epoch": h["epoch"], "seconds": h["seconds"]} for h in m["history"]],
                  "test_negative_elbo": v["negative_elbo"], "test_reconstruction": v["reconstruction"], "test_kl": v["kl"]}))
PY
  "$PYTHON" Tools/vae_anchor.py --init "$WORK/init$seed"/*/model.safetensors --data "$DATA" --epochs "$EPOCHS" --seed "$seed" >> "$OUT"
done
"$PYTHON" - "$OUT" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
by = {f: [r for r in runs if r["framework"] == f] for f in ("descent", "torch")}
elbo = {f: statistics.mean(r["test_negative_elbo"] for r in rs) for f, rs in by.items()}
epoch = {f: statistics.mean(e["seconds"] for r in rs for e in r["epochs"]) for f, rs in by.items()}
for f in by:
    print(f"{f:8s} test -ELBO {elbo[f]:.2f} nats (seeds: {', '.join('%.2f' % r['test_negative_elbo'] for r in by[f])}); "
          f"mean epoch {epoch[f]:.2f} s")
print(f"difference {elbo['descent'] - elbo['torch']:+.2f} nats; torch epoch / descent epoch = {epoch['torch'] / epoch['descent']:.2f}")
PY
