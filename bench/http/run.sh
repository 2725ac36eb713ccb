#!/usr/bin/env bash
# HTTP API benchmark (issue 2 §8): wrk against an authenticated
#   GET /api/v1/cameras?per_page=20 with 500 cameras stored, 64 connections,
# against POST /api/v1/auth/login (argon2id: slow on purpose), and, in the same run, against
# GET /health as the baseline (the cheapest route: no auth, no SQL) so the figure is a ratio.
# Usage: [ARGUS_BIN=path] bench/http/run.sh [seconds] [connections]   (needs build/argus, wrk, jq, curl)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}
CONNS=${2:-64}
BIN=${ARGUS_BIN:-build/argus}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
$BIN serve --data "$tmp/data" --port 0 --host 127.0.0.1 --log-level warn --set vision.warmup_runs=1 \
  --set auth.login_attempts_per_minute=10000 > "$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 1 120); do grep -q "listening on" "$tmp/out" && break; sleep 0.5; done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$tmp/out")
url=http://127.0.0.1:$port
pw=$(cat "$tmp/data/initial-admin-password")
login() { curl -s -X POST "$url/api/v1/auth/login" -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$pw\"}"; }
token=$(login | jq -r .data.token)
for i in $(seq 1 500); do
  curl -s -o /dev/null -X POST "$url/api/v1/cameras" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"name\":\"cam $i\",\"source\":\"rtsp://10.0.$((i / 250)).$((i % 250 + 1)):554/stream\",\"camera_type\":\"rtsp\"}"
done
cat > "$tmp/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
cat > "$tmp/login.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"username":"admin","password":"$pw"}'
wrk.headers["Content-Type"] = "application/json"
LUA
echo "== machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== baseline: GET /health ($CONNS connections, ${SECS}s)"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$url/health" | tee "$tmp/health.txt"
echo "== GET /api/v1/cameras?per_page=20 with 500 cameras, authenticated"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$tmp/get.lua" "$url/api/v1/cameras?per_page=20" | tee "$tmp/get.txt"
echo "== POST /api/v1/auth/login (argon2id, 8 connections)"
wrk -t2 -c8 -d"${SECS}s" --latency -s "$tmp/login.lua" "$url/api/v1/auth/login" | tee "$tmp/login.txt"
rps() { sed -n 's/^Requests\/sec: *//p' "$1"; }
echo "== summary: cameras GET $(rps "$tmp/get.txt") req/s = $(echo "scale=3; $(rps "$tmp/get.txt") / $(rps "$tmp/health.txt")" | bc) x /health; login $(rps "$tmp/login.txt") req/s"
