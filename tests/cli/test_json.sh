#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --json everywhere: every command prints JSON that jq reads, with the documented members,
# and errors are JSON objects on stdout as well as a line on stderr.
source "$(dirname "$0")/lib.sh"

expect 0 --json init
jq_true 'keys == ["admin", "db", "format_version"]'
jq_true '.admin | keys == ["created", "file", "public_key"]'
expect 0 --json keygen --out "$T/me.key"
KEY="$T/me.key"
jq_true 'keys == ["file", "public_key"]'
expect 0 --json assert --key "$KEY" --subject drug:a --predicate p --value 0.1 --unit % \
    --source src:a --qualifier n=3
jq_true 'keys == ["id", "seq", "status"] and .status == "new" and .seq == 1'
ID=$(jq_out .id)
expect 0 --json get 1
jq_true 'keys == ["id", "record", "recorded_at", "seq", "signature", "stage"] and .stage == "active"'
jq_true '.record.object == {"type": "number", "value": 0.1, "unit": "%"}'
# Reals are written in their shortest exact form (0.1, not 0.10000000000000001).
out_has '"value": 0.1,'
jq_true '.record.qualifiers.n == {"type": "integer", "value": 3}'
expect 0 --json log
jq_true '.seq == 1 and .id == "'"$ID"'"'
[[ $(out_lines) -eq 1 ]] || fail "log --json: one line per record"
expect 0 --json list --subject drug:a
jq_true '.record.subject == "drug:a"'
expect 0 --json stats
jq_true '.records == 1'
expect 0 --json check
jq_true '.problems == 0'
expect 0 --json --version
jq_true '.version | test("^[0-9]+\\.[0-9]+\\.[0-9]+")'

# A record exported with --json imports back to the same id.
"$STEME_BIN" --json get 1 | jq -c .record >"$T/export.jsonl"
expect 0 --json assert --key "$KEY" --file "$T/export.jsonl"
jq_true '.status == "duplicate" and .id == "'"$ID"'"'

# Errors: {"error", "message", "field"} on stdout, one line on stderr.
expect 1 --json get 99
jq_true 'keys == ["error", "field", "message"] and .error == "not_found" and .field == null'
err_has "steme: get: no record at seq 99"
expect 1 --json assert --key "$KEY" --subject "" --predicate p --value 1 --source src:a
jq_true '.error == "invalid" and .field == "subject" and (.message | contains("subject: "))'
expect 2 --json get
jq_true '.error == "usage" and (.message | length > 0)'
expect 2 --json nosuchcommand
jq_true '.error == "usage"'
expect 2 get --json --bogus 1
jq_true '.error == "usage"'
expect 1 --json --db "$T/missing" stats
jq_true '.error == "not_found"'

# Texts may hold newlines and tabs: JSON escapes them, and so do tables (a record's strings
# never reach the terminal raw). Other control characters are refused by the encoder.
printf '{"subject":"drug:a","predicate":"p.text","object":"line one\\nline two\\ttab","source":"src:a"}\n' \
    >"$T/ctl.jsonl"
expect 0 --json assert --key "$KEY" --file "$T/ctl.jsonl"
CTL=$(jq_out .id)
expect 0 --json get "$CTL"
jq_true '.record.object.value == "line one\nline two\ttab"'
expect 0 get "$CTL"
out_has 'line one\nline two\ttab (string)'
printf '{"subject":"drug:a","predicate":"p.text","object":"bell \\u0007","source":"src:a"}\n' \
    >"$T/bell.jsonl"
expect 1 assert --key "$KEY" --file "$T/bell.jsonl"
err_has "line 1: object.value: contains a control character"
