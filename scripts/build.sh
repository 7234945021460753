#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# build.sh DIR [meson options...] -- configure (once) and build StemeDB into DIR. Quiet when
# it works; prints the compiler's output when it does not.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [[ ! -f "$dir/build.ninja" ]]; then
    if ! meson setup "$dir" "$@" >"$log" 2>&1; then
        cat "$log" >&2
        echo "build.sh: meson setup $dir failed" >&2
        exit 1
    fi
fi
if ! ninja -C "$dir" >"$log" 2>&1; then
    grep -E "error|FAILED|undefined" "$log" >&2 || cat "$log" >&2
    echo "build.sh: build of $dir failed" >&2
    exit 1
fi
