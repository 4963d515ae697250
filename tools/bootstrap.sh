#!/usr/bin/env bash
# Installs every Debian package the libuid2 build and tests need.
# Idempotent and fast when everything is already there: dpkg-query first,
# `apt-get update` + `apt-get install` only for what is missing.
# Sources: Debian apt only (Go modules come later from the Go module proxy,
# through Bazel's repository rules).
set -euo pipefail

PACKAGES=(
  # Bazel 4.2.3 and the rule sets WORKSPACE takes from /usr/share/bazel
  bazel-bootstrap bazel-skylib bazel-rules-cc bazel-rules-java
  default-jdk-headless
  # C / C++ (the C++ binding's tests: GoogleTest, nlohmann JSON for the
  # vectors, ASan/UBSan runtimes, cmake + pkg-config for the consumer test)
  gcc g++ make cmake pkg-config libgtest-dev libbenchmark-dev nlohmann-json3-dev
  libasan8 libubsan1 valgrind
  # Python binding (venv: the wheel is installed into a fresh venv in a test)
  python3 python3-pytest python3-venv
  # Java binding (JUnit 5 is the target; junit4 + hamcrest kept for JUnitCore runs)
  junit5 junit4 libhamcrest-java
  # C# binding (Mono: mcs + mono; NUnit 2.6 console runner)
  mono-devel nunit-console libnunit-cil-dev
  # packaging / misc
  zip unzip git ca-certificates
)

# One dpkg-query for all: the packages that are fully installed.
# (dpkg-query exits 1 when a package is unknown to dpkg: not an error here)
installed=" $({ dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true; } |
  awk '$2 == "ii" { printf "%s ", $1 }') "
missing=()
for p in "${PACKAGES[@]}"; do
  [[ "$installed" == *" $p "* ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  SUDO=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
      echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Go is not from Debian (bookworm's golang is 1.19; the module needs >= 1.26):
# it is expected at /usr/local/go or on PATH.
GO=$(command -v go || true)
[ -n "$GO" ] || { [ -x /usr/local/go/bin/go ] && GO=/usr/local/go/bin/go; }
if [ -z "$GO" ]; then
  echo "bootstrap: Go >= 1.26 not found (expected /usr/local/go/bin/go or go on PATH)" >&2
  exit 1
fi
