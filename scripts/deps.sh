#!/usr/bin/env bash
# Installs every Debian package that building and testing OutLayer-C needs (Debian 12).
# Idempotent: when every package is already installed it returns at once without touching apt,
# so CI and developers can run it before every build.
set -euo pipefail

packages=(
    # build
    make cmake ninja-build pkg-config gcc libc6-dev git
    # clang for libFuzzer builds and the wasm32 examples (wasm-ld, builtins, wasi sysroot)
    clang-14 lld-14 libclang-rt-14-dev libclang-rt-14-dev-wasm32 wasi-libc
    # formatting
    clang-format-14
    # libraries
    libcmocka-dev libjansson-dev libsodium-dev libcurl4-openssl-dev libmicrohttpd-dev
    libsqlite3-dev libpcre2-dev libssl-dev libpq-dev libhiredis-dev
    # private database and queue servers for the backend conformance tests
    # (scripts/test-servers.sh)
    postgresql redis-server
    # wasm tools for tests and benchmarks; valgrind for callgrind instruction counts
    wabt binaryen valgrind
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
