#!/usr/bin/env bash
# Screenshots TensorBoard's scalars page over a log folder with headless Chromium (Debian's
# chromium package), for docs/tensorboard-compare.png:
#   Tools/tensorboard-screenshot.sh LOGDIR OUT.png [PYTHON]
# PYTHON (default $DESCENT_PYTHON) must have tensorboard (Tools/requirements-interop.txt).
set -euo pipefail
logdir="$1"; out="$2"; python="${3:-${DESCENT_PYTHON:?set DESCENT_PYTHON or pass a python}}"
port=6123
"$python" -m tensorboard.main --logdir "$logdir" --port "$port" --host 127.0.0.1 >/dev/null 2>&1 &
board=$!
trap 'kill "$board" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  if "$python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/data/runs')" 2>/dev/null; then break; fi
  sleep 1
done
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,1000 \
  --virtual-time-budget=20000 --screenshot="$out" "http://127.0.0.1:$port/#scalars&tagFilter=epoch%2Ftest&_smoothingWeight=0" 2>/dev/null
echo "wrote $out"
