#!/usr/bin/env bash
# `outlayer keystore` over HTTP against Node 20's built-in crypto (keystore_http.mjs): the
# cross-implementation ECIES/derivation/grant test, access decisions, and the log check.
# usage: keystore_test.sh OUTLAYER_BINARY [NODE]
# Without Node: a loud SKIP (exit 77); under CI=true a missing Node is a failure.
set -euo pipefail
bin=$1
node=${2:-$(command -v node || true)}
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$node" ] || ! "$node" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
    if [ "${CI:-}" = "true" ]; then
        echo "keystore_test: Node >= 20 is required under CI" >&2
        exit 1
    fi
    echo "SKIP: keystore_test needs Node >= 20 (built-in X25519, HKDF, ChaCha20-Poly1305)"
    exit 77
fi
exec timeout 300 "$node" "$here/keystore_http.mjs" "$bin"
