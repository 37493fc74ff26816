#!/bin/sh
# Pipelines a user would copy, run against the bundled example site (see demo.sh).
#   samples/pipelines.sh [BUILD_DIR]      (needs jq)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gf=${1:-$here/../build}/greenfetch
port=${GREENFETCH_SAMPLE_PORT:-8766}
site=http://127.0.0.1:$port
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$here/site" >/dev/null 2>&1 &
server=$!
out=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$out"' EXIT
i=0
until "$gf" -s -m 1 "$site/index.txt" >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 50 ] || { echo "pipelines: the example server did not start" >&2; exit 1; }
  sleep 0.1
done
sed "s#http://127.0.0.1:8765#$site#; s#http://localhost:8765#$site#" "$here/urls.txt" > "$out/urls.txt"

echo "== 1. the status of every URL in a list, as a table"
"$gf" -s -i "$out/urls.txt" -w '%{http_code}\t%{url}\n' | sort | uniq -c -w 3 | sort -rn

echo "== 2. the three slowest URLs, with jq"
"$gf" -s -j -i "$out/urls.txt" | jq -r '[.time.total, .status, .url] | @tsv' | sort -rn | head -3

echo "== 3. the URLs that failed (status >= 400 or no answer), for a retry list"
"$gf" -s -j --fail -i "$out/urls.txt" | jq -r 'select(.error != null) | .url' || true

echo "== 4. download a list into a folder, three retries each"
"$gf" -s --output-dir "$out/pages" --create-dirs -O --retry 3 --fail -i "$out/urls.txt" || true
ls "$out/pages" | sort
