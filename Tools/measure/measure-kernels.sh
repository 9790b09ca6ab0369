#!/usr/bin/env bash
# Measures the product kernels on this machine, single-threaded, in C (no Swift involved):
#   products.c          oneDNN's dnnl_sgemm against OpenBLAS on Descent's product shapes
#   conv_primitives.c   oneDNN's own convolution primitives on fmnist-2c2d's second layer,
#                       blocked layouts (format any) and plain NCHW
# Usage: Tools/measure/measure-kernels.sh [OUT.txt]   (needs libdnnl-dev and libopenblas-dev,
# which Tools/setup.sh installs). Prefix ONEDNN_MAX_CPU_ISA=AVX2 to cap oneDNN.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/products" "$here/products.c" -ldnnl -lopenblas -lgomp
cc -O2 -fopenmp -o "$work/conv" "$here/conv_primitives.c" -ldnnl
{
  echo "# $(date -u +%FT%TZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs) model $(grep -m1 '^model' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$work/products"
  "$work/conv" 1 1
  "$work/conv" 1 0
} | if [ $# -gt 0 ]; then tee "$1"; else cat; fi
