#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_demo.sh -- the demo (issue 6, docs/demo.md) end to end: `steme init`, `steme demo
# load`, the real stemedb on that store (loopback, a random port), `steme demo tour --json`
# against it, and each of the five moments asserted with jq on the tour's JSON; then a second
# tour (the retraction is already there: it must pass too), and `steme demo load` twice more,
# which must leave the log as it is.
#
# STEME_BIN and STEMEDB_BIN name the binaries (tests/integration/meson.build). Keep the
# directory with STEMEDB_IT_KEEP=1.
set -euo pipefail

steme=${STEME_BIN:?STEME_BIN is not set}
stemedb=${STEMEDB_BIN:?STEMEDB_BIN is not set}
command -v jq >/dev/null || { echo "test_demo: jq is needed (scripts/deps.sh --test)"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/stemedb-demo-XXXXXX")
pid=
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    if [[ ${STEMEDB_IT_KEEP:-} == 1 ]]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

fails=0
check() { # check NAME JQ-EXPRESSION FILE: the expression must be true
    if jq -e "$2" "$3" >/dev/null; then
        echo "ok    $1"
    else
        echo "FAIL  $1: $2"
        fails=$((fails + 1))
    fi
}

# The store is named with --db and the server with STEME_URL, never both for one command: the
# tour finds the agents' keys with --keys (remote mode refuses --db with --url).
unset STEME_DB STEME_URL STEME_API_KEY
db=$dir/store
"$steme" --db "$db" init --quiet
"$steme" --db "$db" --json demo load >"$dir/load1.json"
check "load: the data set is stored" '.new == .records and .records > 200 and .keys_created >= 10' "$dir/load1.json"
[[ $(stat -c %a "$db/demo-keys") == 700 ]] || { echo "FAIL  demo-keys is not 0700"; fails=$((fails + 1)); }
for k in "$db"/demo-keys/*.key; do
    [[ $(stat -c %a "$k") == 600 ]] || { echo "FAIL  $k is not 0600"; fails=$((fails + 1)); }
done

# The server, on the store just loaded.
STEMEDB_DATA_DIR=$db STEMEDB_BIND_ADDR=127.0.0.1:0 STEMEDB_PORT_FILE=$dir/port \
    STEMEDB_ADMIN_KEY_FILE=$dir/api.token STEMEDB_THREADS=2 STEMEDB_LOG_LEVEL=warn \
    STEMEDB_DRAIN_TIMEOUT=5 "$stemedb" 2>"$dir/server.log" >"$dir/server.out" &
pid=$!
for _ in $(seq 200); do [[ -s $dir/port ]] && break; sleep 0.1; done
[[ -s $dir/port ]] || { echo "stemedb did not start"; cat "$dir/server.log"; exit 1; }
url=http://127.0.0.1:$(cat "$dir/port")
token=$(tr -d '\n' <"$dir/api.token")

tour() { # tour OUT: run the tour, keep its JSON, require exit status 0
    local rc=0
    STEME_URL=$url STEME_API_KEY=$token "$steme" --json demo tour --keys "$db/demo-keys" \
        >"$1" 2>"$1.err" || rc=$?
    if [[ $rc != 0 ]]; then
        echo "FAIL  steme demo tour exited $rc"
        cat "$1.err"
        jq -c '.failed, [.moments[] | select(.ok | not) | {moment, failures}]' "$1" || cat "$1"
        fails=$((fails + 1))
    fi
}

moments() { # the five moments' assertions on one tour's output
    local f=$1 run=$2
    check "$run: the tour says all five hold" '.ok == true and .failed == [] and (.moments | length) == 5 and all(.moments[]; .ok and .failures == [])' "$f"
    # 1. the label's 0.2 % against the forums' 12 %, conflict above 0.5
    check "$run 1: conflict above 0.5" '.moments[0].conflict > 0.5' "$f"
    check "$run 1: regulatory 0.2 % against anecdotal 12 %" '.moments[0] | (.alternatives | map({(.tier): .value}) | add) as $v | ($v.regulatory | test("^0\\.2 ?%$")) and ($v.anecdotal | test("^12(\\.0)? ?%$"))' "$f"
    check "$run 1: the claims are listed side by side" '.moments[0].claims | (map(select(.tier == "regulatory")) | length) >= 1 and (map(select(.tier == "anecdotal")) | length) >= 3' "$f"
    # 2. the retraction cascades to 110+ dependents, per depth, and a conclusion changes
    check "$run 2: at least 110 dependents" '.moments[1].report.total >= 110' "$f"
    check "$run 2: per-depth counts add up" '.moments[1].report | (.per_depth | add) == .total' "$f"
    check "$run 2: per depth 40, 40, 20, 12, 8" '.moments[1].report.per_depth == [40, 40, 20, 12, 8]' "$f"
    check "$run 2: the conclusion changes" '.moments[1].conclusion | .changed and .before.winner != .after.winner and .before.winner != "none" and .after.winner != "none"' "$f"
    check "$run 2: before the retraction is the position before the event" '.moments[1] | .conclusion.before.position == .event.seq - 1' "$f"
    # 3. the audit trail, every signature verified here
    check "$run 3: the receipt verifies" '.moments[2].conclusion.receipt_verified' "$f"
    check "$run 3: a chain of at least 5 steps" '.moments[2].depth >= 5' "$f"
    check "$run 3: every step's id and signature verified" '.moments[2] | .all_verified and (.steps | length) >= 7 and all(.steps[]; .id_ok and .signature_ok)' "$f"
    check "$run 3: the trail ends at the retraction and the source's registration" '.moments[2].steps | (map(.role) | index("retraction")) != null and .[-1].role == "source registered" and .[-1].kind == "source_register"' "$f"
    # 4. valid time 2023 vs 2025, and transaction time before the retraction vs now
    check "$run 4: valid at 2023 and at 2025 differ" '.moments[3].valid_time | .differ and (.answers | length) == 2 and .answers[0].winner != .answers[1].winner and (.answers[0].valid_at | startswith("2023")) and (.answers[1].valid_at | startswith("2025"))' "$f"
    check "$run 4: as of before the retraction and now differ" '.moments[3].transaction_time | .differ and .answers[0].winner != .answers[1].winner' "$f"
    # 5. three lenses, three winners, each explained
    check "$run 5: three lenses, three distinct winners" '.moments[4] | .distinct and (.lenses | map(.lens)) == ["recency", "consensus", "authority"] and (.lenses | map(.winner) | unique | length) == 3' "$f"
    check "$run 5: each winner explained" '.moments[4].lenses | all(.[]; (.explanation | length) > 20 and .reason == "winner")' "$f"
}

tour "$dir/tour1.json"
moments "$dir/tour1.json" "tour 1"
check "tour 1: retracted the source now" '.moments[1].already_retracted == false and .moments[1].impact_total == .moments[1].report.total' "$dir/tour1.json"
check "tour 1: the retraction is signed by the curator" '.moments[1].event.signer_name | startswith("Demo curator")' "$dir/tour1.json"

# A second tour: the retraction is already there; the same report is shown.
tour "$dir/tour2.json"
moments "$dir/tour2.json" "tour 2"
check "tour 2: found the retraction already there" '.moments[1].already_retracted == true' "$dir/tour2.json"
if [[ "$(jq -c '.moments[1].report' "$dir/tour1.json")" != "$(jq -c '.moments[1].report' "$dir/tour2.json")" ]]; then
    echo "FAIL  tour 2 shows another cascade report than tour 1"; fails=$((fails + 1))
fi

# Text output: every moment printed, exit 0.
if STEME_URL=$url STEME_API_KEY=$token "$steme" demo tour --keys "$db/demo-keys" >"$dir/tour3.txt" 2>&1 &&
    grep -q "All five moments hold" "$dir/tour3.txt"; then
    echo "ok    tour 3 (text) holds"
else
    echo "FAIL  tour 3 (text)"; cat "$dir/tour3.txt"; fails=$((fails + 1))
fi

# Loading twice more changes nothing, even with the server running and after the retraction.
before=$("$steme" --db "$db" --json stats | jq .last_seq)
"$steme" --db "$db" --json demo load >"$dir/load2.json"
"$steme" --db "$db" --json demo load >"$dir/load3.json"
after=$("$steme" --db "$db" --json stats | jq .last_seq)
check "load 2: nothing new" '.new == 0 and .duplicates == .records and .keys_created == 0' "$dir/load2.json"
check "load 3: nothing new" '.new == 0 and .duplicates == .records' "$dir/load3.json"
if [[ $before != "$after" ]]; then
    echo "FAIL  the log grew from $before to $after"; fails=$((fails + 1))
else
    echo "ok    the log stays at $after"
fi

# Without the agents' keys, load refuses to sign the demo again as other agents.
mv "$db/demo-keys" "$dir/keys.saved"
rc=0
"$steme" --db "$db" --json demo load >"$dir/load4.json" 2>/dev/null || rc=$?
check "load without the keys: refused" '.error == "exists"' "$dir/load4.json"
[[ $rc == 1 && ! -e $db/demo-keys ]] || { echo "FAIL  load without the keys: status $rc, or keys made"; fails=$((fails + 1)); }
mv "$dir/keys.saved" "$db/demo-keys"

# A tour against a server that is not there fails, naming the moment.
rc=0
STEME_URL=http://127.0.0.1:1 STEME_API_KEY=$token "$steme" --json demo tour --keys "$db/demo-keys" \
    >"$dir/down.json" 2>/dev/null || rc=$?
check "no server: the tour fails" '.ok == false and .failed == [1]' "$dir/down.json"
[[ $rc == 1 ]] || { echo "FAIL  no server: exit status $rc, not 1"; fails=$((fails + 1)); }

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[[ $rc == 0 ]] || { echo "FAIL  stemedb exited $rc"; cat "$dir/server.log"; fails=$((fails + 1)); }
if grep -qF "$token" "$dir/server.log" "$dir/server.out"; then
    echo "FAIL  the server's log holds the API key"; fails=$((fails + 1))
fi

if [[ $fails != 0 ]]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all demo checks passed"
