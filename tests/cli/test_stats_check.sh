#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme stats counts records by kind; steme check passes on a sound store.
source "$(dirname "$0")/lib.sh"
setup_store

expect 0 stats
out_has "format_version"
out_has "last_seq            0"
expect 0 check
out_has "ok: 0 records"

# The sample has a claim of this epoch; only the admin key (made by init) opens epochs.
expect 0 --quiet epoch open acc-aha-2018 --description "2018 cholesterol guideline"
expect 0 --quiet assert --key "$KEY" --file "$SAMPLES/drug-safety-sample.jsonl"
n=$(grep -c . "$SAMPLES/drug-safety-sample.jsonl")
target=$("$STEME_BIN" --json get 2 | jq -r .id)
printf '%s\n' \
    "{\"kind\":\"vote\",\"target\":\"$target\",\"value\":1}" \
    "{\"kind\":\"vote\",\"target\":\"$target\",\"value\":-1,\"reason\":\"second thoughts\"}" \
    "{\"kind\":\"event\",\"type\":\"agent_profile\",\"target_agent\":\"$PUB\",\"display_name\":\"Tester\"}" \
    >"$T/more.jsonl"
expect 0 --quiet assert --key "$KEY" --file "$T/more.jsonl"

expect 0 --json stats
jq_true ".records == $((n + 4)) and .assertions == $n and .votes == 2 and .events == 2"
jq_true ".last_seq == $((n + 4)) and .format_version >= 1"
jq_true '.map_size > 0 and .disk_bytes > 0 and .disk_bytes <= .map_size'
jq_true "keys == ([\"db\", \"format_version\", \"last_seq\", \"records\", \"assertions\", \"votes\", \"events\", \"map_size\", \"disk_bytes\", \"quarantine_pending\"] | sort)"
jq_true '.quarantine_pending == 0'
expect 0 stats
out_has "assertions          $n"
out_has "votes               2"
out_has "events              2"
out_has "quarantine_pending  0"
out_has "MiB"

expect 0 check
out_has "ok: $((n + 4)) records, $((n + 4)) signatures"
out_has "0 problems"
expect 0 --json check
jq_true ".problems == 0 and .records == $((n + 4)) and .signatures == $((n + 4)) and .details == []"
jq_true '.index_entries > .records'
expect 0 --quiet check
[[ $(out_lines) -eq 1 ]] || fail "check --quiet: expected the summary line only"

# A damaged store: check names the problem and exits 1. An index entry is planted with
# lmdb-utils (the test tools, not steme, touch LMDB directly).
if command -v mdb_load >/dev/null; then
    printf 'not-an-index-key-of-any-kind-at-all-0000000000000\nx\n' |
        mdb_load -T -s agent "$T/db"
    expect 1 check
    out_has "problem  agent  seq"
    out_has "FAILED:"
    out_has "1 problem"
    expect 1 --json check
    jq_true '.problems == 1 and (.details | length == 1) and .details[0].index == "agent"'
    jq_true '.details[0] | has("what") and has("seq")'
    expect 1 --quiet check
    [[ $(out_lines) -eq 1 ]] || fail "check --quiet with a problem: expected the summary only"
else
    fail "mdb_load missing: scripts/deps.sh --test installs lmdb-utils"
fi

expect 2 stats extra
expect 2 check extra
