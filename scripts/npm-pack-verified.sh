#!/usr/bin/env bash
# npm-pack-verified.sh NAME VERSION SHA256
# Downloads NAME@VERSION from the npm registry with `npm pack` (no install scripts run) into
# .deps/npm unless it is there already, checks the tarball's SHA-256 and prints its path.
# A mismatch prints both sums and exits 1 (delete the file to download it again; if the
# registry re-packed it, review before updating the pin).
set -euo pipefail
name=$1 ver=$2 sha=$3
cache="$(cd "$(dirname "$0")/.." && pwd)/.deps/npm"
# npm pack names @scope/pkg@1.0 "scope-pkg-1.0.tgz".
file=$cache/$(printf '%s' "$name" | sed 's|^@||; s|/|-|')-$ver.tgz
mkdir -p "$cache"
if [ ! -f "$file" ]; then
  echo "npm pack $name@$ver" >&2
  (cd "$cache" && npm pack --silent "$name@$ver" >/dev/null)
fi
got=$(sha256sum "$file" | cut -d' ' -f1)
if [ "$got" != "$sha" ]; then
  echo "SHA-256 MISMATCH for $file" >&2
  echo "  expected $sha" >&2
  echo "  got      $got" >&2
  exit 1
fi
printf '%s\n' "$file"
