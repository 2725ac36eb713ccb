#!/usr/bin/env bash
# Unpacks the ONNX Runtime shared library and C/C++ headers from the npm package
# com.github.asus4.onnxruntime (Debian 12 has no onnxruntime) into .deps/onnxruntime:
#   lib/libonnxruntime.so.1 (+ libonnxruntime.so link), lib/libonnxruntime_providers_shared.so,
#   include/*.h
# The tarball's SHA-256 is pinned; a mismatch stops the script. A stamp makes reruns instant.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PKG=com.github.asus4.onnxruntime
VER=0.4.9
TGZ_SHA=e59788788818fdde1b2e522e766a21ba0f7d8391de55737abf81e32cc801785d
DEST=$ROOT/.deps/onnxruntime
STAMP=$DEST/.stamp-$PKG-$VER

if [ -f "$STAMP" ] && [ -f "$DEST/lib/libonnxruntime.so.1" ] && [ -f "$DEST/include/onnxruntime_cxx_api.h" ]; then
  exit 0
fi

echo "fetch-onnxruntime: $PKG@$VER (150 MB)"
TGZ=$(scripts/npm-pack-verified.sh "$PKG" "$VER" "$TGZ_SHA")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HDR='package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64/onnxruntime.framework/Headers'
tar -xzf "$TGZ" -C "$tmp" \
  package/Plugins/Linux/x64/libonnxruntime.so \
  package/Plugins/Linux/x64/libonnxruntime_providers_shared.so \
  "$HDR"

rm -rf "$DEST"
mkdir -p "$DEST/lib" "$DEST/include"
# The library's SONAME is libonnxruntime.so.1: install it under that name so the loader finds it.
install -m 0755 "$tmp/package/Plugins/Linux/x64/libonnxruntime.so" "$DEST/lib/libonnxruntime.so.1"
ln -sf libonnxruntime.so.1 "$DEST/lib/libonnxruntime.so"
install -m 0755 "$tmp/package/Plugins/Linux/x64/libonnxruntime_providers_shared.so" "$DEST/lib/"
cp "$tmp/$HDR"/*.h "$DEST/include/"
echo "$TGZ_SHA" > "$STAMP"
echo "fetch-onnxruntime: installed ONNX Runtime into .deps/onnxruntime"
