#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# build.sh DIR [meson options...] -- configure (once) and build StemeDB into DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [[ ! -f "$dir/build.ninja" ]]; then
    meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
