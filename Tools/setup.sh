#!/usr/bin/env bash
# Installs the Debian packages Descent needs (idempotent): oneDNN (the products), OpenBLAS
# (LAPACK for PCA), zlib headers,
# pkg-config (SwiftPM finds the C libraries through it), librsvg with cairo (the report
# rasterises its SVG charts to PNG), a font for the charts' text, and the Fashion-MNIST
# data files.
set -euo pipefail
packages=(libdnnl-dev libopenblas-dev zlib1g-dev pkg-config librsvg2-dev fonts-dejavu-core dataset-fashion-mnist)
# libpng and libjpeg-turbo: PNG and JPEG images of image-folder datasets (--format image-folder).
packages+=(libpng-dev libjpeg62-turbo-dev)
# libcurl: Foundation's URLSession, which downloads the data, is built on it.
packages+=(libcurl4)
# Under CI, Slurm and munge for SlurmTests (a sweep as a job array on a single-node cluster
# that the test starts); elsewhere that test skips, saying why, unless they are installed.
if [ "${CI:-}" = "true" ]; then
  packages+=(slurm-wlm munge)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
