#!/bin/sh
# The bundled example, offline: serve samples/site/ on loopback and fetch samples/urls.txt.
#   samples/demo.sh [BUILD_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
python3 -m http.server 8765 --bind 127.0.0.1 --directory "$here/site" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
# Wait (at most 5 s) until the server answers.
i=0
until "$build/greenfetch" -s -m 1 http://127.0.0.1:8765/index.txt >/dev/null 2>&1; do
  i=$((i + 1))
  [ $i -lt 50 ] || { echo "demo: the example server did not start" >&2; exit 1; }
  sleep 0.1
done
echo "== status, size and time of each URL of samples/urls.txt, in input order:"
# /missing.html is a 404 on purpose: with --fail it is reported on stderr and the status is 1.
"$build/greenfetch" -c 4 --fail -i "$here/urls.txt" \
  -w '%{http_code} %{size_download} %{time_total}s %{url}\n' || true
echo "== the same list with the core library, bodies in input order (samples/grequests.cpp):"
"$build/sample_grequests" http://127.0.0.1:8765/index.txt http://127.0.0.1:8765/docs/about.json
