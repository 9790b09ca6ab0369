#!/usr/bin/env bash
# Writes sample pictures to look at (not a test): the comparison report of the test
# fixture's results (accuracy and loss charts with bands, a diverged run, the zoomed last
# epochs) and, where Fashion-MNIST is installed, an autoencoder's filter and reconstruction
# images after three epochs on 10,000 images.
#   Tools/report-samples.sh [OUT]          default OUT: .build/report-samples
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build/report-samples}"
swift build --product descent >&2
bin="$(swift build --show-bin-path)/descent"
mkdir -p "$out"
"$bin" report Tests/Fixtures/results/results.jsonl --out "$out/report"
if "$bin" autoencoder --offline --train-limit 10000 --epochs 3 --hidden 100 --probe-epochs 0 --threads 1 \
     --out "$out/autoencoder" >/dev/null 2>"$out/autoencoder.log"; then
  echo "autoencoder pictures in $out/autoencoder"
else
  echo "no autoencoder pictures (see $out/autoencoder.log; Fashion-MNIST comes with Tools/setup.sh)" >&2
fi
find "$out" -name '*.png' -o -name '*.svg' | sort
