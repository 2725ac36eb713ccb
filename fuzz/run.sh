#!/usr/bin/env bash
# Builds the decode_image libFuzzer target with clang (the main build uses g++) and runs it
# for a bounded time on a seed corpus generated here.
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
LIBS=(-lturbojpeg -lopencv_imgcodecs -lopencv_imgproc -lopencv_core)
SRCS=("$ROOT/fuzz/decode_image_fuzzer.cpp" "$ROOT/src/recognition/image_decode.cpp")
HDRS=("$ROOT/src/recognition/image_decode.h" "$ROOT/src/core/result.h")
FUZZER="$OUT/decode_image_fuzzer"
rebuild=0
[[ -x "$FUZZER" ]] || rebuild=1
for f in "${SRCS[@]}" "${HDRS[@]}" "$0"; do [[ "$f" -nt "$FUZZER" ]] && rebuild=1; done
if (( rebuild )); then
  echo "building $FUZZER"
  "$CXX" "${CXXFLAGS[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    "${SRCS[@]}" "${LIBS[@]}" -o "$FUZZER"
fi
if [[ ! -x "$OUT/make_seeds" || "$ROOT/fuzz/make_seeds.cpp" -nt "$OUT/make_seeds" ]]; then
  "$CXX" "${CXXFLAGS[@]}" "$ROOT/fuzz/make_seeds.cpp" "${LIBS[@]}" -o "$OUT/make_seeds"
fi
SEEDS="$OUT/seeds"
rm -rf "$SEEDS" && mkdir -p "$SEEDS"
"$OUT/make_seeds" "$SEEDS"
echo "fuzzing decode_image for ${SECS}s ($(ls "$SEEDS" | wc -l) seeds, corpus in $OUT/corpus)"
# New inputs go to corpus/ (first dir); seeds/ is read-only input. -timeout catches hangs,
# -rss_limit_mb catches allocation bombs the header checks should have stopped.
exec "$FUZZER" "$OUT/corpus" "$SEEDS" -max_total_time="$SECS" -max_len=262144 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/"
