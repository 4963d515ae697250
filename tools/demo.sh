#!/usr/bin/env bash
# libuid2 end-to-end demo: builds libuid2.so and the local key service with
# Bazel, starts the key service on loopback with a sample key file
# (tools/demo/keys.json), then one participant encrypts a raw UID2 and
# another decrypts the token, each refreshing keys over HTTP.
# (Today through the Python binding; more languages join as their bindings land.)
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
bazel build //capi:libuid2 //go/cmd/uid2-testserver
bin=$(bazel info bazel-bin 2>/dev/null)
lib=$bin/capi/libuid2.so
server=$bin/go/cmd/uid2-testserver/uid2-testserver_/uid2-testserver

api_key=demo-api-key
secret=$(printf 'libuid2-demo-secret-32-bytes-key' | base64)

tmp=$(mktemp -d)
"$server" --keys tools/demo/keys.json --api-key "$api_key" --secret "$secret" \
  --listen 127.0.0.1:0 >"$tmp/url" 2>"$tmp/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -s "$tmp/url" ] && break; sleep 0.1; done
url=$(head -1 "$tmp/url")
[ -n "$url" ] || { cat "$tmp/server.log"; echo "key service did not start"; exit 1; }
echo "key service: $url"

UID2_LIBRARY_PATH=$lib PYTHONPATH=bindings/python/src \
  /usr/bin/python3 tools/demo/demo.py "$url" "$api_key" "$secret"
