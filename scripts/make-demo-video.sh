#!/usr/bin/env bash
# Makes the demo camera's clip from the group photos shipped in npm @vladmandic/face-api
# (fetched into models/samples by fetch-models.sh): each photo slowly zoomed and panned,
# 4 s each, 1280x720 H.264 at 25 fps, looped by the file camera. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-media/demo.mp4}
[ -f "$out" ] && exit 0
shopt -s nullglob
photos=(models/samples/sample*.jpg)
if [ ${#photos[@]} -eq 0 ]; then
  echo "make-demo-video: no photos in models/samples (run scripts/fetch-models.sh)" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
for p in "${photos[@]}"; do
  # Scale up first so the zoom stays sharp, then a slow centre zoom (1.0 -> 1.25).
  ffmpeg -loglevel error -y -i "$p" -vf "scale=2560:1440:force_original_aspect_ratio=increase,crop=2560:1440,zoompan=z='min(zoom+0.0025,1.25)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=100:s=1280x720:fps=25" \
    -frames:v 100 -c:v libx264 -preset veryfast -pix_fmt yuv420p "$tmp/part$i.mp4"
  echo "file '$tmp/part$i.mp4'" >> "$tmp/list.txt"
  i=$((i + 1))
done
ffmpeg -loglevel error -y -f concat -safe 0 -i "$tmp/list.txt" -c copy -movflags +faststart "$out.tmp.mp4"
mv "$out.tmp.mp4" "$out"
echo "make-demo-video: wrote $out"
