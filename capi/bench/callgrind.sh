#!/bin/sh
# Counts the instructions (callgrind's Ir) of one v4 decrypt and one v4
# encrypt: through the Go API (the append forms the C ABI calls, and the
# forms that return strings) and through the C ABI (uid2_decrypt,
# uid2_encrypt). Unlike times, the counts do not depend on the machine's
# load. Needs valgrind, a C compiler, Go and python3; builds everything into
# a temporary directory. Not part of the tests.
#
#   capi/bench/callgrind.sh [N]     # N calls per run, default 10000
#
# Go: only the instructions inside the function named are counted
# (--toggle-collect), over the N+1 calls the benchmark makes (testing.B runs
# once with b.N = 1 first). C: two runs of N and 2N calls, differenced. The
# keys and the token are those of tests/vectors/sharing.json ("v4 email").
set -eu
n=${1:-10000}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$root/tests/vectors/sharing.json" "$tmp" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
case = next(c for c in doc["cases"] if c["name"] == "v4 email")
open(sys.argv[2] + "/keys.json", "w").write(json.dumps(doc["keys"]))
open(sys.argv[2] + "/token", "w").write(case["token"])
open(sys.argv[2] + "/now", "w").write(str(case["now_ms"]))
PY
"$root/capi/build.sh" "$tmp/libuid2.so"
ln -s libuid2.so "$tmp/libuid2.so.1"
cc -O2 -I"$root/capi" -o "$tmp/harness" "$root/capi/bench/callgrind.c" -L"$tmp" -l:libuid2.so
(cd "$root/go" && go test -c -o "$tmp/uid2.test" ./uid2)

# Go's asynchronous preemption (a signal) makes callgrind abort; one P
# keeps the runtime's other threads idle.
export GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1
collected() {
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" 2>&1 | sed -n 's/.*Collected : //p'
}
go_count() { # label benchmark function-pattern
  c=$(cd "$root/go/uid2" && collected --toggle-collect="$3" "$tmp/uid2.test" -test.run XXX \
    -test.bench "$2" -test.benchtime "${n}x")
  echo "$1: $((c / (n + 1))) instructions per call"
}
c_count() { # label op
  a=$(LD_LIBRARY_PATH=$tmp collected "$tmp/harness" "$2" "$n" "$tmp/keys.json" "$tmp/token" "$(cat "$tmp/now")")
  b=$(LD_LIBRARY_PATH=$tmp collected "$tmp/harness" "$2" $((2 * n)) "$tmp/keys.json" "$tmp/token" "$(cat "$tmp/now")")
  echo "$1: $(((b - a) / n)) instructions per call"
}
go_count "Go decrypt v4, DecryptAppend" 'Decrypt/v4-append$' '*core*DecryptAppend*'
go_count "Go decrypt v4, DecryptTokenIntoRawUIDAt" 'Decrypt/v4$' '*SharingClient*DecryptTokenIntoRawUIDAt*'
go_count "Go encrypt v4, EncryptAppend" 'Encrypt/v4-append$' '*SharingClient*EncryptAppend*'
go_count "Go encrypt v4, EncryptRawUIDIntoTokenWith" 'Encrypt/v4$' '*SharingClient*EncryptRawUIDIntoTokenWith*'
c_count "C uid2_decrypt" d
c_count "C uid2_encrypt" e
