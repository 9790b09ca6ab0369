#!/usr/bin/env bash
# Creates a virtualenv OUTSIDE the repository (default /work/venv-peers, override with
# VENV=...) with pinned PyTorch and JAX (CPU) and runs Tools/bench_peers.py, which times
# the seed-mlp, seed-ae, lenet5 and fmnist-2c2d epochs on 2 threads, best of 3 (--workloads picks).
#
#   bash Tools/bench_peers.sh                 # install (once) + run, prints a Markdown table
#   bash Tools/bench_peers.sh --json          # same, JSON
#   SKIP_INSTALL=1 bash Tools/bench_peers.sh  # reuse the venv as it is
#
# Only PyPI is used. The PyPI torch wheel for Linux x86-64 is the CUDA build (it pulls
# ~3 GB of nvidia-* wheels); it runs on CPU when no GPU is present.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
VENV="${VENV:-/work/venv-peers}"
TORCH_VERSION="${TORCH_VERSION:-2.15.0}"
JAX_VERSION="${JAX_VERSION:-0.10.2}"   # newest jax for Python 3.11 (0.11+ needs 3.12)
PY="${PYTHON:-python3}"
if [[ -z "${SKIP_INSTALL:-}" ]]; then
  [[ -x "$VENV/bin/python" ]] || "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet "numpy" "torch==$TORCH_VERSION" "jax[cpu]==$JAX_VERSION"
fi
# 2 threads for the intra-op pools and BLAS (the machines have 2 cores, which also bounds XLA's pool).
T="${PEER_THREADS:-2}"
export OMP_NUM_THREADS=$T MKL_NUM_THREADS=$T OPENBLAS_NUM_THREADS=$T PEER_THREADS=$T
exec "$VENV/bin/python" "$here/bench_peers.py" "$@"
