#!/bin/sh
# Installs the uid2 .tar.gz into a fresh prefix and builds a consumer project
# against it, outside the source tree, two ways: CMake find_package(uid2
# CONFIG REQUIRED), and pkg-config --cflags --libs uid2, the C++ program at
# each C++ standard from C++11 to C++20. Runs each program.
#
# usage: consumer_test.sh UID2_TAR_GZ CONSUMER_SRC_DIR
set -eu
[ $# -eq 2 ] || { echo "usage: $0 UID2_TAR_GZ CONSUMER_SRC_DIR" >&2; exit 2; }
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
work=$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/uid2-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
mkdir -p "$prefix" "$work/src"
tar -xzf "$tarball" -C "$prefix"
cp "$src"/* "$work/src/"

echo "== layout"
for f in lib/libuid2.so lib/libuid2.so.1 include/uid2.h include/uid2/uid2.hpp \
         lib/pkgconfig/uid2.pc lib/cmake/uid2/uid2Config.cmake \
         lib/cmake/uid2/uid2ConfigVersion.cmake; do
  [ -e "$prefix/$f" ] || { echo "missing $f" >&2; exit 1; }
done
ls -l "$prefix/lib"
soname=$(objdump -p "$prefix/lib/libuid2.so.1" | awk '/SONAME/ {print $2}')
[ "$soname" = libuid2.so.1 ] || { echo "SONAME is '$soname'" >&2; exit 1; }

expect="ok $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --modversion uid2)"
echo "expect: $expect"

check() {  # program
  out=$("$1")
  echo "$1: $out"
  [ "$out" = "$expect" ] || { echo "unexpected output from $1" >&2; exit 1; }
}

# uid2.hpp is C++11: the consumer builds at every standard from C++11 on. At
# C++98 it builds with CMake too, because the package's uid2::uid2 declares
# cxx_std_11 and so raises the standard.
echo "== CMake find_package(uid2 CONFIG REQUIRED)"
for std in 98 11 14 17 20; do
  echo "-- CMAKE_CXX_STANDARD=$std"
  cmake -S "$work/src" -B "$work/build-cmake-$std" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_STANDARD="$std" -DCMAKE_CXX_EXTENSIONS=OFF >/dev/null
  cmake --build "$work/build-cmake-$std" >/dev/null
  check "$work/build-cmake-$std/consumer_cpp"
done
check "$work/build-cmake-11/consumer_c"
# A newer major than installed is refused.
sed 's/find_package(uid2 0.1 /find_package(uid2 99 /' "$work/src/CMakeLists.txt" > "$work/CMakeLists.99"
mkdir -p "$work/src99" && cp "$work/src"/* "$work/src99/" && mv "$work/CMakeLists.99" "$work/src99/CMakeLists.txt"
if cmake -S "$work/src99" -B "$work/build-99" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
  echo "find_package(uid2 99) should have failed" >&2; exit 1
fi

echo "== pkg-config --cflags --libs uid2"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
libdir=$(pkg-config --variable=libdir uid2)
mkdir -p "$work/build-pc"
for std in 11 14 17 20; do
  echo "-- c++ -std=c++$std"
  # shellcheck disable=SC2046
  c++ -std=c++$std -Wall -Wextra -Werror -pedantic -o "$work/build-pc/consumer_cpp$std" \
    "$work/src/main.cpp" $(pkg-config --cflags --libs uid2) -Wl,-rpath,"$libdir"
  check "$work/build-pc/consumer_cpp$std"
done
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror -o "$work/build-pc/consumer_c" "$work/src/main.c" \
  $(pkg-config --cflags --libs uid2) -Wl,-rpath,"$libdir"
check "$work/build-pc/consumer_c"
echo "consumer: PASS"
