#!/usr/bin/env bash
# Runs the dashboard end-to-end test against a REAL argus server started just for it:
# a fresh data directory, an admin user, `argus serve` on a free loopback port, then
# e2e/run.mjs, then the server is stopped. For ctest: SKIP_RETURN_CODE 77.
#
#   web/e2e/with-server.sh [path/to/argus]      (default: $ARGUS_BIN or build/argus)
#
# Extra ARGUS_E2E_* variables are passed through (see docs/ui.md).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-${ARGUS_BIN:-$root/build/argus}}"
if [ ! -x "$bin" ]; then echo "SKIP: no argus binary at $bin"; exit 77; fi
if [ ! -d "$root/web/node_modules/playwright-core" ]; then echo "SKIP: web/node_modules missing (run scripts/setup.sh or npm ci in web/)"; exit 77; fi
if [ ! -f "$root/web/dist/index.html" ]; then echo "SKIP: web/dist is not built (run scripts/build-web.sh)"; exit 77; fi

data="$(mktemp -d "${TMPDIR:-/tmp}/argus-e2e.XXXXXX")"
pw="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
stop_pid() {
  local p="$1"
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill "$p" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  fi
}
cleanup() {
  stop_pid "${pid:-}"
  stop_pid "${rtsp_pid:-}"
  [ "${ARGUS_E2E_KEEP_DATA:-}" = 1 ] || rm -rf "$data"
}
trap cleanup EXIT
# first_match LOG PID SED_SCRIPT: waits (30 s at most, while PID lives) for a line of LOG that
# SED_SCRIPT prints, and echoes it.
first_match() {
  local out=""
  for _ in $(seq 1 150); do
    out="$(sed -n "$3" "$1" | head -1)"
    [ -n "$out" ] && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.2
  done
  echo "$out"
}

"$bin" --data "$data" user add admin --role admin --password "$pw" >"$data/user.log" 2>&1 || {
  echo "ERROR: could not create the admin user:"; cat "$data/user.log"; exit 2; }
# alert_offline_s: the alerts step waits for a camera_offline alert, 3 s instead of 30.
"$bin" --data "$data" --set pipeline.alert_offline_s=3 serve --host 127.0.0.1 --port 0 >"$data/serve.log" 2>&1 &
pid=$!
url="$(first_match "$data/serve.log" "$pid" 's|.*\(http://127\.0\.0\.1:[0-9]*\).*|\1|p')"
if [ -z "$url" ]; then echo "ERROR: argus serve did not start:"; tail -20 "$data/serve.log"; exit 2; fi
for _ in $(seq 1 50); do curl -fsS "$url/health" >/dev/null 2>&1 && break; sleep 0.2; done
echo "argus serve at $url (data $data)"

# The camera: the demo clip (media/demo.mp4, made at set-up from the package photos
# models/samples/sample*.jpg by scripts/make-demo-video.sh, 4 s per photo) served over RTSP on
# loopback by the pipeline's test peer (tests/tools/rtsp_server.py: GStreamer RTSP server,
# stream copy, looped), so the dashboard is tested against a real network camera. Without the
# peer (python3-gi, gir1.2-gst-rtsp-server-1.0) run.mjs falls back to its MJPEG camera.
if [ -z "${ARGUS_E2E_CAMERA_SOURCE:-}" ]; then
  clip="${ARGUS_E2E_CLIP:-$root/media/demo.mp4}"
  if [ ! -f "$clip" ] && [ -z "${ARGUS_E2E_CLIP:-}" ] && [ -x "$root/scripts/make-demo-video.sh" ]; then
    clip="$data/demo.mp4"
    "$root/scripts/make-demo-video.sh" "$clip" >/dev/null 2>&1 || clip=""
  fi
  if [ -n "$clip" ] && [ -f "$clip" ] &&
     /usr/bin/python3 -c "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer" >/dev/null 2>&1; then
    # 40 loops of the 24 s clip: longer than the whole run (the camera reconnects after EOS anyway).
    /usr/bin/python3 "$root/tests/tools/rtsp_server.py" --port 0 --loops 40 "demo=$clip" >"$data/rtsp.log" 2>&1 &
    rtsp_pid=$!
    rtsp_port="$(first_match "$data/rtsp.log" "$rtsp_pid" 's/^READY \([0-9]*\)$/\1/p')"
    if [ -n "$rtsp_port" ]; then
      export ARGUS_E2E_CAMERA_SOURCE="rtsp://127.0.0.1:$rtsp_port/demo" ARGUS_E2E_CAMERA_TYPE=rtsp
      echo "RTSP camera at $ARGUS_E2E_CAMERA_SOURCE (clip $clip)"
    else
      echo "WARNING: the RTSP test server did not start (MJPEG camera instead):"; tail -5 "$data/rtsp.log"
    fi
  else
    echo "WARNING: no demo clip or no GStreamer RTSP server here: the e2e uses its MJPEG camera"
  fi
fi

# Enrolment photos that ship with the project: the package's group photos have several faces
# each, so cut one portrait (the largest face, one face-width of margin) out of a sample with
# `argus detect`. sample3 is one of the demo clip's photos (seconds 8-12 of every 24 s loop),
# so the enrolled name must appear on the live view (the MJPEG fallback camera loops the
# portrait itself). Without it the runner falls back to ../shared/data.
if [ -z "${ARGUS_E2E_IMAGES:-}" ] && [ -f "$root/models/samples/sample3.jpg" ] && command -v jq >/dev/null && command -v ffmpeg >/dev/null; then
  crops="$data/enrol"
  mkdir -p "$crops"
  box=$(cd "$root" && "$bin" detect --json models/samples/sample3.jpg 2>/dev/null |
        jq -r '.detections[0].faces | max_by(.bbox.width * .bbox.height) | .bbox | "\(.x|floor) \(.y|floor) \(.width|floor) \(.height|floor)"')
  if [ -n "$box" ] && [ "$box" != "null" ]; then
    read -r x y w h <<<"$box"
    ffmpeg -loglevel error -y -i "$root/models/samples/sample3.jpg" \
      -vf "crop=w='min(iw,$((3 * w)))':h='min(ih,$((h + 2 * w)))':x='max(0,min(iw-ow,$((x - w))))':y='max(0,min(ih-oh,$((y - w))))'" \
      -q:v 2 "$crops/portrait.jpg" && export ARGUS_E2E_IMAGES="$crops"
  fi
fi

ARGUS_URL="$url" ARGUS_ADMIN_USER=admin ARGUS_ADMIN_PASSWORD="$pw" node "$root/web/e2e/run.mjs"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then echo "--- server log (tail) ---"; tail -30 "$data/serve.log"; fi
exit $rc
