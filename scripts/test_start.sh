#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_start.sh -- run the README's first command (scripts/start.sh) as a newcomer would, on a
# fresh store and a free loopback port, twice: each run must build, load the demo, start the
# server, see the tour report that all five moments hold, and stop cleanly on SIGTERM; the
# second run must find the demo already loaded. Called by scripts/test.sh after the release
# build (start.sh builds build-release itself, so that build is then up to date).
set -uo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d "${TMPDIR:-/tmp}/steme-start.XXXXXX")
trap 'rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

run_once() { # N: run start.sh, wait for the tour's verdict, stop it; 0 when all held
    local out=$work/start.$1.out
    STEME_DB=$work/store STEMEDB_BIND_ADDR=127.0.0.1:$port scripts/start.sh >"$out" 2>&1 &
    local pid=$!
    local ok=1
    for _ in $(seq 1 1800); do
        if grep -q "StemeDB is serving" "$out"; then ok=0; break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [[ $ok -ne 0 ]] || ! grep -q "All five moments hold." "$out"; then
        echo "test_start: run $1: start.sh did not reach a serving server with the tour holding:"
        tail -n 20 "$out"
        return 1
    fi
    if curl -s -o /dev/null "http://127.0.0.1:$port/v1/health"; then
        echo "test_start: run $1: the server still answers after SIGTERM"
        return 1
    fi
    echo "test_start: run $1: the tour held, the server stopped"
}

run_once 1 || exit 1
run_once 2 || exit 1
grep -q "0 new, 230 already there" "$work/start.2.out" ||
    { echo "test_start: the second run loaded the demo again"; exit 1; }
echo "test_start: passed"
