#!/usr/bin/env bash
# Installs the system libraries WildIR links against, once: only what is missing.
# Works as root or through sudo on Debian 12 (bookworm) with the Swift toolchain on PATH.
set -euo pipefail

packages=(
  libdnnl-dev          # oneDNN: convolution / matmul / normalisation primitives
  libopenblas-dev      # BLAS
  libturbojpeg0-dev    # libjpeg-turbo (TurboJPEG API)
  libpng-dev           # PNG codec
  libwebp-dev          # WebP codec
  libkissfft-dev       # KissFFT (BSD-3): 2-D FFTs for Wiener deconvolution
  libfreetype-dev      # FreeType (FreeType License): captions on contact sheets
  zlib1g-dev           # zlib (zlib License): the gzip'd CLIP tokenizer vocabulary
  libsqlite3-dev       # SQLite (public domain): the job records of `wildir serve` (GRDB)
  fonts-dejavu-core    # the DejaVu Sans font those captions use
  chromium             # headless browser: ServerTests' BrowserTests drive the `wildir serve` page over DevTools
  pkg-config
)
# libgomp's link-time library (the OpenMP runtime oneDNN runs on; WildTensor runs its loops on the same team) comes
# with the C compiler's libgcc-N-dev, which the Swift toolchain already requires; install it if it is absent.
if ! ls /usr/lib/gcc/*/*/libgomp.so >/dev/null 2>&1; then
  packages+=("libgcc-$(gcc -dumpversion 2>/dev/null | cut -d. -f1 || echo 12)-dev")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
