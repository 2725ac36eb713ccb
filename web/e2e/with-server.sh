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
cleanup() {
  if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  fi
  [ "${ARGUS_E2E_KEEP_DATA:-}" = 1 ] || rm -rf "$data"
}
trap cleanup EXIT

"$bin" --data "$data" user add admin --role admin --password "$pw" >"$data/user.log" 2>&1 || {
  echo "ERROR: could not create the admin user:"; cat "$data/user.log"; exit 2; }
"$bin" --data "$data" serve --host 127.0.0.1 --port 0 >"$data/serve.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 150); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$data/serve.log" | head -1)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$url" ]; then echo "ERROR: argus serve did not start:"; tail -20 "$data/serve.log"; exit 2; fi
for _ in $(seq 1 50); do curl -fsS "$url/health" >/dev/null 2>&1 && break; sleep 0.2; done
echo "argus serve at $url (data $data)"

# Enrolment photos that ship with the project: the package's group photos have several faces
# each, so cut one portrait (the largest face, one face-width of margin) out of a sample with
# `argus detect`. The fake camera then loops that portrait, so the enrolled name must appear
# on the live view. Without it the runner falls back to ../shared/data.
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
