#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test.sh -- run every test StemeDB has, exactly as CI does (.ci/run calls this script).
#
#   1. installs missing Debian packages (scripts/deps.sh --test)
#   2. builds build/ and runs every suite: unit, cli, integration, fuzz (corpus replay), crash
#   3. builds build-asan/ with AddressSanitizer + UBSan and runs the unit, fuzz, cli and
#      integration suites (the integration suite drives the real server over loopback)
#   4. builds build-release/ as scripts/start.sh does (-O3 warns about things -O2 does not)
#   5. checks formatting of the C sources against .clang-format
#
# Ends with one line "N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --test || { echo "deps: installation failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0

# Run one meson test invocation and add its summary to the totals.
run_meson_tests() {
    local dir=$1; shift
    local log
    log=$(mktemp)
    meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log"
    local ok xfail fail xpass skip tmo
    ok=$(awk '/^Ok:/ {print $2}' "$log")
    xfail=$(awk '/^Expected Fail:/ {print $3}' "$log")
    fail=$(awk '/^Fail:/ {print $2}' "$log")
    xpass=$(awk '/^Unexpected Pass:/ {print $3}' "$log")
    skip=$(awk '/^Skipped:/ {print $2}' "$log")
    tmo=$(awk '/^Timeout:/ {print $2}' "$log")
    rm -f "$log"
    if [[ -z "$ok" ]]; then
        echo "test.sh: no summary from meson test in $dir"
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + ok + ${xfail:-0}))
    failed=$((failed + ${fail:-0} + ${xpass:-0} + ${tmo:-0}))
    skipped=$((skipped + ${skip:-0}))
}

build_or_fail() {
    if ! scripts/build.sh "$@"; then
        echo "test.sh: build of $1 failed"
        failed=$((failed + 1))
        return 1
    fi
}

echo "== build (debugoptimized) and every suite"
if build_or_fail build; then
    run_meson_tests build
fi

echo "== build with ASan + UBSan: unit, fuzz, cli and integration (the real server) suites"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build_or_fail build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
    run_meson_tests build-asan --suite unit --suite fuzz --suite cli --suite integration
fi

echo "== release build (what the README's first command builds: -O3 finds other warnings)"
if build_or_fail build-release --buildtype=release; then
    passed=$((passed + 1))
    echo "== the README's first command: scripts/start.sh on a fresh store and a free port"
    if scripts/test_start.sh; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
fi

echo "== formatting (.clang-format)"
if command -v clang-format >/dev/null; then
    bad=$(git ls-files '*.c' '*.h' | while read -r f; do
        clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"
    done)
    if [[ -n "$bad" ]]; then
        echo "not formatted (run clang-format -i):"; echo "$bad"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
    fi
else
    echo "clang-format missing"; failed=$((failed + 1))
fi

if [[ $skipped -gt 0 ]]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[[ $failed -eq 0 ]]
