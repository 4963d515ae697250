#!/usr/bin/env bash
# libuid2 end-to-end demo: one language encrypts, every other decrypts.
#
# Builds libuid2.so, the local key service and a small program per language
# with Bazel, starts the key service on loopback with a sample key set
# (tools/demo/keys.json), then:
#   - Python (the sender) refreshes its keys over HTTP through the real v2
#     envelope and encrypts a raw UID2 into a sharing token;
#   - Python and Go (the uid2 command) refresh over HTTP the same way and
#     decrypt the token;
#   - C, C++, Java and C# load the same key set from JSON (their programs are
#     the conformance drivers) and decrypt the token.
# It fails unless every language gets back exactly the sender's raw UID2.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
drivers=(//tests/conformance:c_driver //tests/conformance:cpp_driver //tests/conformance:java_driver //tests/conformance:csharp_driver)
bazel build //capi:libuid2 //go/cmd/uid2-testserver //go/cmd/uid2 //bindings/java:jar "${drivers[@]}"
bin=$(bazel info bazel-bin 2>/dev/null)
lib=$bin/capi/libuid2.so
server=$bin/go/cmd/uid2-testserver/uid2-testserver_/uid2-testserver
uid2=$bin/go/cmd/uid2/uid2_/uid2
conf=$bin/tests/conformance

api_key=demo-api-key
secret=$(printf 'libuid2-demo-secret-32-bytes-key' | base64)
keys=tools/demo/keys.json

tmp=$(mktemp -d)
"$server" --keys "$keys" --api-key "$api_key" --secret "$secret" \
  --listen 127.0.0.1:0 >"$tmp/url" 2>"$tmp/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -s "$tmp/url" ] && break; sleep 0.1; done
url=$(head -1 "$tmp/url")
[ -n "$url" ] || { cat "$tmp/server.log"; echo "key service did not start"; exit 1; }
echo "key service: $url"

export UID2_LIBRARY_PATH=$lib
# Python: the sender, and a receiver refreshing over HTTP.
PYTHONPATH=bindings/python/src /usr/bin/python3 tools/demo/demo.py "$url" "$api_key" "$secret" "$tmp"

# Go: the uid2 command, refreshing over HTTP.
"$uid2" decrypt --keys-url "$url" --api-key "$api_key" --secret "$secret" <"$tmp/token" >"$tmp/go.out"
# C, C++, Java, C#: the same keys from JSON.
"$conf/c_driver" decrypt "$keys" "$tmp/token" "$tmp/c.out"
"$conf/cpp_driver" decrypt "$keys" "$tmp/token" "$tmp/cpp.out"
java -cp "$conf/conformance-driver.jar:$bin/bindings/java/libuid2.jar" io.libuid2.conformance.Driver \
  decrypt "$keys" "$tmp/token" "$tmp/java.out"
# Mono must suspend threads cooperatively around the Go runtime (bindings/csharp/README.md).
MONO_THREADS_SUSPEND=coop mono "$conf/csharp/Driver.exe" decrypt "$keys" "$tmp/token" "$tmp/csharp.out"

/usr/bin/python3 tools/demo/check.py "$tmp"
