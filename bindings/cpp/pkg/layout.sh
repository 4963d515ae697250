#!/bin/sh
# Lays out the install tree of libuid2 for C and C++ users:
#   lib/libuid2.so.<version>, lib/libuid2.so.1 -> it, lib/libuid2.so -> libuid2.so.1
#   include/uid2.h, include/uid2/uid2.hpp
#   lib/pkgconfig/uid2.pc
#   lib/cmake/uid2/uid2Config.cmake, lib/cmake/uid2/uid2ConfigVersion.cmake
# Used by the CMake install and dist target and by the Bazel //bindings/cpp:dist
# genrule, so both produce the same tree.
#
# usage: layout.sh DEST LIBUID2_SO UID2_H UID2_HPP VERSION_GO
#   VERSION_GO: go/uid2/client.go, which holds `const Version = "x.y.z"`.
set -eu
[ $# -eq 5 ] || { echo "usage: $0 DEST LIBUID2_SO UID2_H UID2_HPP VERSION_GO" >&2; exit 2; }
dest=$1 so=$2 h=$3 hpp=$4 vgo=$5
here=$(cd "$(dirname "$0")" && pwd)

version=$(sed -n 's/^const Version = "\([0-9][0-9.]*\)".*/\1/p' "$vgo")
case $version in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "layout.sh: no 'const Version = \"x.y.z\"' in $vgo" >&2; exit 1 ;;
esac

mkdir -p "$dest/lib/pkgconfig" "$dest/lib/cmake/uid2" "$dest/include/uid2"
rm -f "$dest/lib/libuid2.so" "$dest/lib/libuid2.so.1" "$dest/lib/libuid2.so.$version"
cp "$so" "$dest/lib/libuid2.so.$version"
chmod 0755 "$dest/lib/libuid2.so.$version"
ln -s "libuid2.so.$version" "$dest/lib/libuid2.so.1"
ln -s libuid2.so.1 "$dest/lib/libuid2.so"
cp "$h" "$dest/include/uid2.h"
cp "$hpp" "$dest/include/uid2/uid2.hpp"
chmod 0644 "$dest/include/uid2.h" "$dest/include/uid2/uid2.hpp"
sed "s/@UID2_VERSION@/$version/g" "$here/uid2.pc.in" > "$dest/lib/pkgconfig/uid2.pc"
cp "$here/uid2Config.cmake" "$dest/lib/cmake/uid2/uid2Config.cmake"
sed "s/@UID2_VERSION@/$version/g" "$here/uid2ConfigVersion.cmake.in" \
  > "$dest/lib/cmake/uid2/uid2ConfigVersion.cmake"
chmod 0644 "$dest/lib/pkgconfig/uid2.pc" "$dest/lib/cmake/uid2/"*.cmake
