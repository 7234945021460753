#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# deps.sh -- install the Debian 12 packages StemeDB needs to build, run and test, when they are
# missing. Idempotent and quiet when everything is present. Runs apt-get as root (or via sudo).
#
#   scripts/deps.sh            build + run dependencies
#   scripts/deps.sh --test     also what the test suites need
#   scripts/deps.sh --bench    also what the benchmarks need (bench/http: wrk, curl)
set -euo pipefail

build_pkgs=(
    build-essential pkg-config meson ninja-build
    liblmdb-dev libsodium-dev libjansson-dev libpcre2-dev
    libmicrohttpd-dev libcurl4-openssl-dev python3 curl
)
test_pkgs=(
    libcmocka-dev jq lmdb-utils clang-format python3
    libcurl4-openssl-dev openssl python3-jsonschema
)

bench_pkgs=(
    wrk curl jq python3
)

want=("${build_pkgs[@]}")
case "${1:-}" in
--test) want+=("${test_pkgs[@]}") ;;
--bench) want+=("${bench_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
