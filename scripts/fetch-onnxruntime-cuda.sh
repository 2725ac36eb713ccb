#!/usr/bin/env bash
# Adds ONNX Runtime's CUDA execution provider (npm com.github.asus4.onnxruntime.linux-x64-gpu,
# the companion of the core package scripts/fetch-onnxruntime.sh installs) next to
# .deps/onnxruntime/lib/libonnxruntime.so.1, where the core library looks for it.
#
# Only useful on a machine with an NVIDIA GPU, CUDA 13 (cudart, cuBLAS, cuRAND) and cuDNN 9
# on the loader path; 180 MB. setup.sh runs it when `nvidia-smi -L` lists a GPU or
# ARGUS_CUDA=1; ARGUS_CUDA=0 skips it. Without it, `vision.device: auto` uses the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PKG=com.github.asus4.onnxruntime.linux-x64-gpu
VER=0.4.9
TGZ_SHA=2b459e0c17f340c92970c10ed86de4f37a3009f93c14053e6ad4334cbb6be412
DEST=$ROOT/.deps/onnxruntime/lib
STAMP=$DEST/.stamp-$PKG-$VER

if [ -f "$STAMP" ] && [ -f "$DEST/libonnxruntime_providers_cuda.so" ]; then
  exit 0
fi
if [ ! -f "$DEST/libonnxruntime.so.1" ]; then
  echo "fetch-onnxruntime-cuda: run scripts/fetch-onnxruntime.sh first" >&2
  exit 1
fi

echo "fetch-onnxruntime-cuda: $PKG@$VER (180 MB)"
TGZ=$(scripts/npm-pack-verified.sh "$PKG" "$VER" "$TGZ_SHA")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$TGZ" -C "$tmp" package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so
install -m 0755 "$tmp/package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so" "$DEST/"
echo "$TGZ_SHA" > "$STAMP"
echo "fetch-onnxruntime-cuda: installed the CUDA execution provider into .deps/onnxruntime/lib"
