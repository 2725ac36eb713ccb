#!/usr/bin/env bash
# Builds the dashboard into web/dist when its sources changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/../web" 2>/dev/null || exit 0
[ -f package.json ] || exit 0
stamp=dist/.argus-stamp
sum=$(find src index.html package.json vite.config.* tsconfig*.json -type f 2>/dev/null | sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then exit 0; fi
echo "build-web: vite build"
npm run --silent build
echo "$sum" > "$stamp"
