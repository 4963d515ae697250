#!/bin/sh
# Lays out the install tree of libuid2 for C and C++ users:
#   lib/libuid2.so.<version>, lib/libuid2.so.1 -> it, lib/libuid2.so -> libuid2.so.1
#   include/uid2.h, include/uid2/uid2.hpp
#   lib/pkgconfig/uid2.pc
#   lib/cmake/uid2/uid2Config.cmake, lib/cmake/uid2/uid2ConfigVersion.cmake
# Used by the CMake install and dist target and by the Bazel //bindings/cpp:dist
# genrule, so both produce the same tree.
#
# usage: layout.sh DEST LIBUID2_SO UID2_H UID2_HPP
# The version (file name, uid2.pc, uid2ConfigVersion.cmake) is the library's
# own, read with uid2_version() from LIBUID2_SO.
set -eu
[ $# -eq 4 ] || { echo "usage: $0 DEST LIBUID2_SO UID2_H UID2_HPP" >&2; exit 2; }
dest=$1 so=$2 h=$3 hpp=$4
here=$(cd "$(dirname "$0")" && pwd)

version=$(/usr/bin/env python3 -c '
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.uid2_version.restype = ctypes.c_char_p
print(lib.uid2_version().decode("ascii"))' "$(cd "$(dirname "$so")" && pwd)/$(basename "$so")")
case $version in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "layout.sh: uid2_version() of $so gave '$version'" >&2; exit 1 ;;
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
