#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (the main build uses g++) and runs each for a
# bounded time on a seed corpus generated here: decode_image (untrusted pictures), multipart
# (upload bodies), jpeg_stream (raw TCP camera framing), onvif_probe (discovery answers) and
# jwt (access tokens, checked before login).
#   fuzz/run.sh [SECONDS=60]
# Exit: 0 clean, 77 skipped (no clang++/libFuzzer), other = build failure or a crash
# (the reproducer is left in build-fuzz/artifacts/).
set -euo pipefail
SECS=${1:-60}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${ARGUS_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
CXX=${FUZZ_CXX:-clang++}
if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "SKIP: $CXX not found (apt-get install clang libclang-rt-14-dev)"
  exit 77
fi
mkdir -p "$OUT/artifacts" "$OUT/corpus"
# Probe for libFuzzer (libclang-rt-*-dev) before the real build.
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$OUT/probe.cpp"
if ! "$CXX" -fsanitize=fuzzer "$OUT/probe.cpp" -o "$OUT/probe" >/dev/null 2>&1; then
  echo "SKIP: $CXX cannot link libFuzzer (apt-get install libclang-rt-14-dev)"
  exit 77
fi
CXXFLAGS=(-std=c++20 -O1 -g -fno-omit-frame-pointer -I"$ROOT/src" -isystem /usr/include/opencv4)
LIBS=(-lturbojpeg -lopencv_imgcodecs -lopencv_imgproc -lopencv_core -lcrypto -lsodium)

# build TARGET SOURCE... : rebuilt when a source, a header it names or this script is newer.
build() {
  local target=$1 fuzzer="$OUT/$1"; shift
  local rebuild=0
  [[ -x "$fuzzer" ]] || rebuild=1
  for f in "$@" "$0"; do [[ "$f" -nt "$fuzzer" ]] && rebuild=1; done
  if (( rebuild )); then
    echo "building $fuzzer"
    local srcs=()
    for f in "$@"; do [[ "$f" == *.cpp ]] && srcs+=("$f"); done
    "$CXX" "${CXXFLAGS[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      "${srcs[@]}" "${LIBS[@]}" -o "$fuzzer"
  fi
}
build decode_image_fuzzer "$ROOT/fuzz/decode_image_fuzzer.cpp" "$ROOT/src/recognition/image_decode.cpp" \
  "$ROOT/src/recognition/image_decode.h" "$ROOT/src/core/result.h"
build multipart_fuzzer "$ROOT/fuzz/multipart_fuzzer.cpp" "$ROOT/src/api/multipart.cpp" "$ROOT/src/core/validate.cpp" \
  "$ROOT/src/api/multipart.h" "$ROOT/src/core/validate.h" "$ROOT/src/core/result.h"
build jpeg_stream_fuzzer "$ROOT/fuzz/jpeg_stream_fuzzer.cpp" "$ROOT/src/ingest/jpeg_stream.cpp" "$ROOT/src/ingest/jpeg_stream.h"
build onvif_probe_fuzzer "$ROOT/fuzz/onvif_probe_fuzzer.cpp" "$ROOT/src/ingest/discovery.cpp" "$ROOT/src/core/validate.cpp" \
  "$ROOT/src/ingest/discovery.h" "$ROOT/src/core/validate.h"
build jwt_fuzzer "$ROOT/fuzz/jwt_fuzzer.cpp" "$ROOT/src/auth/jwt.cpp" "$ROOT/src/auth/crypto.cpp" \
  "$ROOT/src/auth/jwt.h" "$ROOT/src/auth/crypto.h"
if [[ ! -x "$OUT/make_seeds" || "$ROOT/fuzz/make_seeds.cpp" -nt "$OUT/make_seeds" ]]; then
  "$CXX" "${CXXFLAGS[@]}" "$ROOT/fuzz/make_seeds.cpp" "${LIBS[@]}" -o "$OUT/make_seeds"
fi
SEEDS="$OUT/seeds"
rm -rf "$SEEDS" && mkdir -p "$SEEDS/image" "$SEEDS/multipart" "$SEEDS/jpeg_stream" "$SEEDS/onvif" "$SEEDS/jwt" \
  "$OUT/corpus/image" "$OUT/corpus/multipart" "$OUT/corpus/jpeg_stream" "$OUT/corpus/onvif" "$OUT/corpus/jwt"
"$OUT/make_seeds" "$SEEDS/image"
# JPEG stream seeds: a piece-size byte, then the seed pictures back to back with junk between.
for f in "$SEEDS"/image/*.jpg; do
  { printf '\x07garbage'; cat "$f"; printf '\x01junk\xff'; cat "$f"; } > "$SEEDS/jpeg_stream/$(basename "$f").stream"
done
# Multipart seeds: the header line, then a body (CRLFs as the parser expects them).
printf 'multipart/form-data; boundary=XyZ\n--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nAnn\r\n--XyZ\r\nContent-Disposition: form-data; name="images"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xd9\r\n--XyZ--\r\n' > "$SEEDS/multipart/two-parts"
printf 'Multipart/Form-Data; charset=utf-8; boundary="a b"\n--a b\r\ncontent-disposition: form-data; filename="x"; name=file\r\n\r\n\r\n--a b--' > "$SEEDS/multipart/quoted"

# An ONVIF probe answer, as cameras send it.
printf '%s' '<?xml version="1.0"?><e:Envelope><e:Body><d:ProbeMatches><d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/name/Front%20Door onvif://www.onvif.org/hardware/IPC-1</d:Scopes><d:XAddrs>http://10.0.0.2/onvif/device_service http://[::1]/onvif</d:XAddrs></d:ProbeMatch></d:ProbeMatches></e:Body></e:Envelope>' > "$SEEDS/onvif/probe-match"

# Token seeds: a signed header + claims pair (first byte even), and a raw token.
printf '%s\n%s' 'b{"alg":"HS256","typ":"JWT"}' '{"sub":"1","name":"admin","role":"admin","jti":"j","iat":1,"exp":9999999999}' > "$SEEDS/jwt/signed"
printf '%s' 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln' > "$SEEDS/jwt/raw"

# run TARGET SEED_DIR CORPUS_DIR: new inputs go to the corpus (first dir); seeds are read-only.
# -timeout catches hangs, -rss_limit_mb allocation bombs the checks should have stopped.
status=0
run() {
  echo "fuzzing $1 for ${SECS}s ($(ls "$2" | wc -l) seeds, corpus in $3)"
  "$OUT/$1" "$3" "$2" -max_total_time="$SECS" -max_len=262144 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$1-" || status=$?
}
run decode_image_fuzzer "$SEEDS/image" "$OUT/corpus/image"
run multipart_fuzzer "$SEEDS/multipart" "$OUT/corpus/multipart"
run jpeg_stream_fuzzer "$SEEDS/jpeg_stream" "$OUT/corpus/jpeg_stream"
run onvif_probe_fuzzer "$SEEDS/onvif" "$OUT/corpus/onvif"
run jwt_fuzzer "$SEEDS/jwt" "$OUT/corpus/jwt"
exit $status
