#!/usr/bin/env bash
# Creates (or reuses) a Python virtualenv outside the repository with the packages the
# tests use (Tools/requirements-interop.txt: numpy, safetensors, torch, onnx, onnxruntime,
# tensorboard) and prints its python.
#   export DESCENT_PYTHON="$(Tools/python-venv.sh)"        # venv: ${DESCENT_VENV:-~/.cache/descent/venv}
# Installs Debian's python3-venv first if `python3 -m venv` is not available. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${DESCENT_VENV:-$HOME/.cache/descent/venv}"
requirements="Tools/requirements-interop.txt"
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: python3 python3-venv" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-venv >/dev/null
fi
stamp="$venv/.descent-requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
  echo "creating the Python environment in $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
"$venv/bin/python" -c "import numpy, safetensors, torch, onnx, onnxruntime, tensorboard" >&2
echo "$venv/bin/python"
