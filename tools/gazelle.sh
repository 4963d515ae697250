#!/usr/bin/env bash
# (Re)generates the BUILD.bazel files of the Go packages (go/, capi/) with
# gazelle v0.26.0, fetched through the Go module proxy (not committed).
# Hand edits marked `# keep` survive. capi/BUILD.bazel is hand-written:
# gazelle only updates srcs/deps of //capi:capi_lib.
set -euo pipefail
cd "$(dirname "$0")/.."
GAZELLE=${GAZELLE:-$(go env GOPATH)/bin/gazelle}
if ! "$GAZELLE" -h >/dev/null 2>&1 || [ ! -x "$GAZELLE" ]; then
  (cd /tmp && GOFLAGS=-mod=mod go install github.com/bazelbuild/bazel-gazelle/cmd/gazelle@v0.26.0)
  GAZELLE=$(go env GOPATH)/bin/gazelle
fi
exec "$GAZELLE" -repo_root . go capi "$@"
