#!/bin/sh
# Makes the .tar.gz of the install tree (see layout.sh): entries are relative
# (lib/..., include/...), so `tar -xzf uid2.tar.gz -C PREFIX` installs it.
# Reproducible: sorted, owner 0, fixed mtime, gzip without a name or time.
#
# usage: dist.sh OUT.tar.gz LIBUID2_SO UID2_H UID2_HPP
set -eu
[ $# -eq 4 ] || { echo "usage: $0 OUT.tar.gz LIBUID2_SO UID2_H UID2_HPP" >&2; exit 2; }
out=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/uid2-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
"$here/layout.sh" "$stage" "$@"
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - lib include \
  | gzip -9n > "$out"
