#!/usr/bin/env bash
# Builds the two native files the jar carries into OUTDIR:
#   libuid2.so     the C ABI (capi/, Go c-shared; SONAME libuid2.so.1)
#   libuid2jni.so  the JNI shim (src/main/c/uid2_jni.c; DT_NEEDED libuid2.so.1, RUNPATH $ORIGIN)
# Usage: build-native.sh OUTDIR
# Env: LIBUID2_SO=path  use this prebuilt libuid2.so instead of building capi/
#      JAVA_HOME        the JDK whose jni.h to use (default: the one javac belongs to)
#      CC               C compiler (default: cc)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:?usage: build-native.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -n "${LIBUID2_SO:-}" ]; then
  cp -f "$LIBUID2_SO" "$out/libuid2.so"
else
  command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
  sh "$root/capi/build.sh" "$out/libuid2.so"
  rm -f "$out/libuid2.h"
fi
if [ -z "${JAVA_HOME:-}" ]; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
fi
${CC:-cc} -std=c11 -O2 -fPIC -shared -Wall -Wextra -Werror \
  -I"$JAVA_HOME/include" -I"$JAVA_HOME/include/linux" -I"$root/capi" \
  -o "$out/libuid2jni.so" "$here/src/main/c/uid2_jni.c" \
  -L"$out" -l:libuid2.so -Wl,-z,defs -Wl,--enable-new-dtags -Wl,-rpath,'$ORIGIN'
