# SPDX-License-Identifier: MIT
#
# lib.sh -- what every command-line test sources: a private temporary directory with its own
# store and key file, `run`/`expect` to drive the steme binary ($STEME_BIN) while keeping a
# transcript of everything it printed, small assertions, and a last check, on exit, that no
# key file's secret seed -- agents' keys and the stores' admin keys -- ever appeared in that
# transcript.
set -euo pipefail

: "${STEME_BIN:?set STEME_BIN to the steme executable}"
command -v jq >/dev/null || { echo "jq is missing (scripts/deps.sh --test installs it)" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/steme-cli-test.XXXXXX")
export STEME_DB="$T/db"
export STEME_KEY_FILE="$T/default.key"
SAMPLES=${STEME_SAMPLES:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../samples" && pwd)}
rc=0

finish() {
    local status=$?
    # The seed line of a key file is its secret (docs/keys.md); it must never be printed.
    local key seed
    for key in "$T"/*.key "$T"/*/*.key; do
        [[ -f "$key" ]] || continue
        seed=$(awk '$1 == "seed" {print $2}' "$key")
        if [[ -n "$seed" && -f "$T/transcript" ]] && grep -qF -- "$seed" "$T/transcript"; then
            echo "FAIL: the secret seed of $key appeared in the output" >&2
            status=1
        fi
    done
    rm -rf "$T"
    if [[ $status -eq 0 ]]; then
        echo "PASS: $(basename "$0")"
    fi
    exit $status
}
trap finish EXIT

fail() {
    echo "FAIL: $*" >&2
    echo "--- stdout of the last command:" >&2
    cat "$T/out" >&2 2>/dev/null || true
    echo "--- stderr of the last command:" >&2
    cat "$T/err" >&2 2>/dev/null || true
    exit 1
}

# run ARGS...: run steme; stdout in $T/out, stderr in $T/err, exit status in $rc.
run() {
    set +e
    "$STEME_BIN" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    set -e
    { printf '$ steme %s\n' "$*"; cat "$T/out" "$T/err"; } >>"$T/transcript"
}

# run_in FILE ARGS...: run steme with FILE as stdin.
run_in() {
    local input=$1
    shift
    set +e
    "$STEME_BIN" "$@" <"$input" >"$T/out" 2>"$T/err"
    rc=$?
    set -e
    { printf '$ steme %s < %s\n' "$*" "$input"; cat "$T/out" "$T/err"; } >>"$T/transcript"
}

# expect STATUS ARGS...: run steme and require its exit status.
expect() {
    local want=$1
    shift
    run "$@"
    [[ $rc -eq $want ]] || fail "steme $*: exit status $rc, expected $want"
}

out() { cat "$T/out"; }
out_has() { grep -qF -- "$1" "$T/out" || fail "stdout lacks '$1'"; }
out_lacks() { ! grep -qF -- "$1" "$T/out" || fail "stdout has '$1'"; }
err_has() { grep -qF -- "$1" "$T/err" || fail "stderr lacks '$1'"; }
err_empty() { [[ ! -s "$T/err" ]] || fail "stderr is not empty"; }
out_lines() { grep -c '' "$T/out" || true; }

# kv KEY VALUE: stdout has a "KEY  VALUE" line of a key-value table, however it is aligned.
kv() {
    awk -v k="$1" -v v="$2" '
        index($0, k "  ") == 1 { rest = substr($0, length(k) + 1); sub(/^ +/, "", rest)
                                 if (rest == v) found = 1 }
        END { exit !found }' "$T/out" || fail "stdout lacks the row '$1  $2'"
}

# jq_true FILTER: the filter must hold on stdout (a document, or every line of a stream).
jq_true() {
    jq -e "$1" "$T/out" >/dev/null || fail "stdout does not satisfy jq '$1'"
}

# jq_out FILTER: print the filter's raw result on stdout.
jq_out() {
    jq -r "$1" "$T/out"
}

eq() {
    [[ "$1" == "$2" ]] || fail "${3:-value}: got '$1', expected '$2'"
}

# pub_of FILE: the public key in a key file.
pub_of() { awk '$1 == "public" {print $2}' "$1"; }

# new_agent NAME: a key pair in $T/NAME.key; prints its public key.
new_agent() {
    "$STEME_BIN" keygen --out "$T/$1.key" >/dev/null || fail "keygen $1"
    pub_of "$T/$1.key"
}

# A store (with its admin key, $ADMIN_KEY) and an agent key in the test directory.
setup_store() {
    expect 0 init
    ADMIN_KEY="$T/db/admin.key"
    ADMIN_PUB=$(pub_of "$ADMIN_KEY")
    expect 0 keygen --out "$T/me.key"
    KEY="$T/me.key"
    PUB=$(pub_of "$KEY")
}

# assert_ok ARGS...: a flag assertion signed with the test key; sets ID and SEQ.
assert_ok() {
    expect 0 --json assert --key "$KEY" "$@"
    ID=$(jq_out .id)
    SEQ=$(jq_out .seq)
}

last_seq() {
    run --json stats
    [[ $rc -eq 0 ]] || fail "stats failed"
    jq_out .last_seq
}
