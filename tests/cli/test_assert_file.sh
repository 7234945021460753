#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme assert --file: JSON Lines import, all-or-nothing, with per-record results.
source "$(dirname "$0")/lib.sh"
setup_store
sample="$SAMPLES/drug-safety-sample.jsonl"
n=$(grep -c . "$sample")
# A claim of the sample belongs to this epoch, which only the admin can open (seq 1).
expect 0 --quiet epoch open acc-aha-2018

# The sample: every line new, in order.
expect 0 assert --key "$KEY" --file "$sample"
out_has "LINE"
out_has "$n records: $n new (seq 2..$((n + 1))), 0 duplicate"
expect 0 --json stats
jq_true ".assertions == $n and .last_seq == $((n + 1))"

# Again: every line a duplicate, with the same ids and seqs (the sample carries its times).
expect 0 --json assert --key "$KEY" --file "$sample"
[[ $(out_lines) -eq $n ]] || fail "expected $n JSON lines"
jq_true '.status == "duplicate" and (.line | type == "number") and (.id | length == 64)'
eq "$(jq_out 'select(.line == 1) | .seq')" 2 "seq of line 1"
eq "$(jq_out 'select(.line == 1) | .id')" \
    "$("$STEME_BIN" --json get 2 | jq -r .id)" "id of line 1"
expect 0 --quiet assert --key "$KEY" --file "$sample"
eq "$(out)" "$n records: 0 new, $n duplicate" "--quiet summary"
run_in "$sample" --quiet --json assert --key "$KEY" --file -
[[ $rc -eq 0 ]] || fail "stdin import failed"
jq_true ".records == $n and .new == 0 and .duplicate == $n and .first_seq == null"

# Kind, agent and time are filled in; blank lines and CRLF are fine; votes and events too.
target=$("$STEME_BIN" --json get 2 | jq -r .id)
printf '%s\n' \
    '{"subject":"drug:x","predicate":"p.filled","object":1,"source":"src:a"}' \
    '' \
    '   ' \
    "{\"kind\":\"vote\",\"target\":\"$target\",\"value\":-1,\"reason\":\"placebo arm\"}" \
    "{\"kind\":\"event\",\"type\":\"agent_profile\",\"target_agent\":\"$PUB\",\"display_name\":\"Tester\"}" \
    >"$T/mixed.jsonl"
printf '{"subject":"drug:x","predicate":"p.crlf","object":"y","source":"src:a","confidence":0.5}\r\n' \
    >>"$T/mixed.jsonl"
expect 0 --json assert --key "$KEY" --file "$T/mixed.jsonl" --at 2024-01-02T03:04:05Z
[[ $(out_lines) -eq 4 ]] || fail "expected 4 records"
eq "$(jq_out '.line' | tr '\n' ' ')" "1 4 5 6 " "line numbers"
jq_true '.status == "new"'
first=$(jq_out 'select(.line == 1) | .id')
vote=$(jq_out 'select(.line == 4) | .id')
event=$(jq_out 'select(.line == 5) | .id')
expect 0 --json get "$first"
jq_true ".record.kind == \"assertion\" and .record.agent == \"$PUB\""
jq_true '.record.asserted_at == "2024-01-02T03:04:05.000Z" and .record.confidence == 1'
expect 0 --json get "$vote"
jq_true ".record.kind == \"vote\" and .record.value == -1 and .record.target == \"$target\""
jq_true '.record.voted_at == "2024-01-02T03:04:05.000Z"'
expect 0 --json get "$event"
jq_true '.record.kind == "event" and .record.type == "agent_profile" and .record.display_name == "Tester"'
jq_true '.record.at == "2024-01-02T03:04:05.000Z"'

before=$(last_seq)

# A file with bad lines: nothing stored, each bad line named with its field and rule.
{
    sed -n 1p "$sample"
    echo '{"subject":"drug:x","predicate":"p","object":1,"source":"src:a",'
    sed -n 2p "$sample"
    echo '{"predicate":"p","object":1,"source":"src:a"}'
    echo '{"subject":"drug:x","predicate":"p","object":{"type":"number","value":1,"unit":"%"},"source":"src:a","confidence":2}'
    echo '{"subject":"drug:x","predicate":"p","object":1,"source":"src:a","agent":"'"$(printf '0%.0s' {1..64})"'"}'
    echo '{"subject":"drug:x","predicate":"p","object":true,"source":"src:a","colour":"red"}'
    echo '[1,2,3]'
    echo '{"subject":"drug:x","predicate":"p","object":1,"source":"src:a","asserted_at":"'"$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"'"}'
    sed -n 3p "$sample"
} >"$T/bad.jsonl"
expect 1 assert --key "$KEY" --file "$T/bad.jsonl"
err_has "steme: assert: line 2: not valid JSON"
err_has "steme: assert: line 4: subject: missing"
err_has "steme: assert: line 5: confidence: out of range 0..1"
err_has "steme: assert: line 6: agent: not the public key of the signing key"
err_has "steme: assert: line 7: colour: unknown member"
err_has "steme: assert: line 8: record: not an object"
err_has "steme: assert: line 9: asserted_at: ahead of this machine's clock"
err_has "7 bad lines; nothing was stored"
! grep -q "line 1:\|line 3:\|line 10:" "$T/err" || fail "a good line was reported"
eq "$(last_seq)" "$before" "last_seq after a bad file"

# The same as JSON: one error object per bad line, then the summary.
expect 1 --json assert --key "$KEY" --file "$T/bad.jsonl"
[[ $(out_lines) -eq 8 ]] || fail "expected 8 JSON error lines"
jq_true '.error == "invalid" and (.message | type == "string")'
eq "$(jq_out 'select(.line == 4) | .field')" subject "field of line 4"
eq "$(jq_out 'select(.line == 2) | .field')" null "field of line 2"
eq "$(last_seq)" "$before" "last_seq after a bad file (--json)"

# At most 20 bad lines are reported one by one.
for i in $(seq 1 25); do echo '{"subject":""}'; done >"$T/many.jsonl"
expect 1 assert --key "$KEY" --file "$T/many.jsonl"
[[ $(grep -c "^steme: assert: line " "$T/err") -eq 20 ]] || fail "expected 20 line reports"
err_has "and 5 more bad lines"
err_has "25 bad lines"

# A line longer than 1 MiB is refused without reading it whole.
{ printf '{"subject":"'; head -c 1100000 /dev/zero | tr '\0' a; printf '"}\n'; } >"$T/long.jsonl"
expect 1 assert --key "$KEY" --file "$T/long.jsonl"
err_has "line 1: longer than 1048576 bytes"

# More than one batch (1000 records) from a pipe.
for i in $(seq 1 2100); do
    printf '{"subject":"batch:%d","predicate":"p","object":%d,"source":"src:batch","asserted_at":1700000000000}\n' \
        $((i % 7)) "$i"
done >"$T/big.jsonl"
run_in "$T/big.jsonl" --quiet --json assert --key "$KEY" --file -
[[ $rc -eq 0 ]] || fail "batch import failed"
jq_true ".records == 2100 and .new == 2100 and .last_seq - .first_seq == 2099"
expect 0 --json stats
jq_true ".last_seq == $((before + 2100))"

# The same content twice in one file: one record, the second line a duplicate of the first.
line='{"subject":"drug:twice","predicate":"p","object":1,"source":"src:a","asserted_at":1700000000000}'
printf '%s\n%s\n' "$line" "$line" >"$T/twice.jsonl"
expect 0 --json assert --key "$KEY" --file "$T/twice.jsonl"
eq "$(jq_out .status | tr '\n' ' ')" "new duplicate " "statuses of a repeated line"
[[ $(jq_out .seq | sort -u | wc -l) -eq 1 ]] || fail "a repeated line got two seqs"

# Missing file; --file with record flags.
expect 1 assert --key "$KEY" --file "$T/none.jsonl"
err_has "$T/none.jsonl"
expect 2 assert --key "$KEY" --file "$sample" --subject drug:x
err_has "--subject cannot be combined with --file"
# An empty file stores nothing and succeeds.
: >"$T/empty.jsonl"
expect 0 assert --key "$KEY" --file "$T/empty.jsonl"
out_has "0 records"
