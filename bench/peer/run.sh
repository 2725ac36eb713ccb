#!/usr/bin/env bash
# face-api.js (the peer) beside argus on the same images, in the same run, one after the other.
#
#   bench/peer/run.sh [--argus BIN] [--runs N] [--warmup N] [--pairs N] [--out DIR]
#
# Speed: detection + 68 landmarks + descriptor per image, both on one thread (TF.js wasm has no
# threads in Node; argus runs with vision.intra_op_threads = 1), warm-up then N timed runs,
# wall and process-CPU p50/p90. Images: face-api's demo sample5.jpg (6 faces) at 640x360 and
# sample4.jpg at 1920x1080, a frame of videos/faces_640x360_hamilton.mp4 and one of
# videos/faces_1920x1080.mp4 (the videos come from ARGUS_EVAL_DATA, default ../shared/data,
# and are skipped when absent). All are converted to PPM first so both read identical pixels.
# LFW: the same --pairs N pairs (spread over the 10 folds, as `argus eval lfw --pairs` picks
# them; 0 skips, 6000 is the full View 2) through each pipeline, 10-fold accuracy of each.
#
# Needs node + npm (the npm registry, for the first `npm ci` only) and ffmpeg, jq. Not part of
# `make test`: it downloads packages and takes minutes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
argus="$root/build/argus"
runs=10
warmup=2
pairs=600
out="${TMPDIR:-/tmp}/argus-peer-bench"
data="${ARGUS_EVAL_DATA:-$root/../shared/data}"

while [ $# -gt 0 ]; do
  case "$1" in
    --argus) argus=$(realpath "$2"); shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
for tool in node npm ffmpeg jq; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool" >&2; exit 2; }
done
[ -x "$argus" ] || { echo "no argus binary at $argus (make build, or --argus BIN)" >&2; exit 2; }

# The bench's own node_modules, pinned by package-lock.json; install scripts are not run.
stamp="$here/node_modules/.argus-peer-stamp"
if [ ! -f "$stamp" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
  echo "installing the peer's npm packages into $here/node_modules" >&2
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
  touch "$stamp"
fi

mkdir -p "$out/images"
samples="$here/node_modules/@vladmandic/face-api/demo"
ff() { ffmpeg -loglevel error -y "$@"; }
images=()
ff -i "$samples/sample5.jpg" -vf scale=640:360 "$out/images/sample5_640x360.ppm"
images+=("$out/images/sample5_640x360.ppm")
if [ -f "$data/videos/faces_640x360_hamilton.mp4" ]; then
  ff -ss 1 -i "$data/videos/faces_640x360_hamilton.mp4" -frames:v 1 "$out/images/hamilton_640x360.ppm"
  images+=("$out/images/hamilton_640x360.ppm")
fi
ff -i "$samples/sample4.jpg" -vf scale=1920:1080 "$out/images/sample4_1920x1080.ppm"
images+=("$out/images/sample4_1920x1080.ppm")
if [ -f "$data/videos/faces_1920x1080.mp4" ]; then
  ff -ss 2 -i "$data/videos/faces_1920x1080.mp4" -frames:v 1 "$out/images/street_1920x1080.ppm"
  images+=("$out/images/street_1920x1080.ppm")
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%FT%TZ)"
echo "argus: $argus (source tree at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))"
echo "load average before: $(load)"

(cd "$here" && node faceapi.mjs time --warmup "$warmup" --runs "$runs" "${images[@]}") >"$out/faceapi-time.json"
# argus warms its models up at start; --repeat adds one untimed call per image, so give it the
# same number of untimed calls as the peer got (at least that one).
(cd "$root" && "$argus" detect --json --embed --repeat "$runs" "${images[@]}") >"$out/argus-time.json"
echo "load average after timing: $(load)"

jq -r '.peer | "peer: face-api \(.faceapi), tfjs \(.tfjs), backend \(.backend) (simd \(.wasm_simd), threads \(.wasm_threads)), node \(.node)"' "$out/faceapi-time.json"
echo
printf '%-20s %-10s %6s | %-24s | %-24s | %s\n' image size faces "face-api wall p50/p90, CPU" "argus wall p50/p90, CPU" "face-api/argus wall, CPU"
jq -r -s '
  def r1: . * 10 | round / 10;
  (.[0].images) as $f | (.[1].detections) as $a |
  range(0; $f | length) as $i | $f[$i] as $x | $a[$i] as $y |
  [($x.image | split("/") | last | sub("\\.ppm$"; "")), "\($x.width)x\($x.height)", "\($x.count)/\($y.count)",
   "\($x.timing.wall_ms_p50 | round)/\($x.timing.wall_ms_p90 | round), \($x.timing.cpu_ms_p50 | round) ms",
   "\($y.timing.wall_ms_p50 | r1)/\($y.timing.wall_ms_p90 | r1), \($y.timing.cpu_ms_p50 | r1) ms",
   "\($x.timing.wall_ms_p50 / $y.timing.wall_ms_p50 | r1)x, \($x.timing.cpu_ms_p50 / $y.timing.cpu_ms_p50 | r1)x"]
  | @tsv' "$out/faceapi-time.json" "$out/argus-time.json" |
  while IFS=$'\t' read -r name size faces f a r; do
    printf '%-20s %-10s %6s | %-24s | %-24s | %s\n' "$name" "$size" "$faces" "$f" "$a" "$r"
  done
echo "(faces = face-api/argus; ms per image for detection + landmarks + descriptor, p50 of $runs timed calls after $warmup untimed (argus: 1); CPU = process CPU time)"

if [ "$pairs" -gt 0 ] && [ -f "$data/lfw/pairs.txt" ]; then
  echo
  echo "LFW: $pairs pairs (spread over the 10 folds), each pipeline on its own detections"
  (cd "$here" && node faceapi.mjs lfw --data "$data/lfw" --pairs "$pairs") >"$out/faceapi-lfw.json"
  (cd "$root" && "$argus" eval lfw --data "$data/lfw" --pairs "$pairs" --json) >"$out/argus-lfw.json"
  jq -r '"face-api: \(.accuracy * 10000 | round / 100) +- \(.std * 10000 | round / 100) % (\(.missed_faces) of \(.images) faces missed at \(.min_confidence)); retrying those at \(.retry_confidence): \(.accuracy_with_retry * 10000 | round / 100) +- \(.std_with_retry * 10000 | round / 100) % (\(.missed_after_retry) still missed); \(.ms_per_image | round) ms per image"' "$out/faceapi-lfw.json"
  jq -r '"argus:    \(.accuracy * 10000 | round / 100) +- \(.std * 10000 | round / 100) % (\(.recognizer), \(.failures) of \(.images) faces missed); \(.seconds * 1000 / .images | round) ms per image on 2 threads with both recognisers"' "$out/argus-lfw.json"
  echo "load average after LFW: $(load)"
elif [ "$pairs" -gt 0 ]; then
  echo "LFW skipped: no $data/lfw/pairs.txt"
fi
echo "raw JSON: $out"
