#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme list: every selector, --as-of, --after, --limit, and the selector rules.
source "$(dirname "$0")/lib.sh"
setup_store
expect 0 keygen --out "$T/other.key"
OTHER=$(awk '$1 == "public" {print $2}' "$T/other.key")

# seqs lists the seq of every JSON line on stdout.
seqs() { jq_out .seq | tr '\n' ' '; }

assert_ok --subject drug:a --predicate p.x --value 1 --source src:one --at 1700000000000 # 1
A1=$ID
assert_ok --subject drug:a --predicate p.y --value 2 --source src:two --at 1700000000000 # 2
A2=$ID
assert_ok --subject drug:b --predicate p.x --value 3 --source src:one --at 1700000000000 \
    --derived-from "$A1" --supersedes "$A2" # 3
B=$ID
expect 0 --json assert --key "$T/other.key" --subject drug:a --predicate p.x --value 4 \
    --source src:two --at 1700000000000 --derived-from "$A1" # 4
C=$(jq_out .id)
printf '{"kind":"vote","target":"%s","value":1}\n{"kind":"event","type":"assertion_retract","target":"%s","reason":"typo"}\n' \
    "$A1" "$A1" >"$T/votes.jsonl"
expect 0 --quiet assert --key "$KEY" --file "$T/votes.jsonl" --at 1700000000000 # 5, 6

expect 0 --json list --subject drug:a
eq "$(seqs)" "1 2 4 " "--subject"
expect 0 --json list --subject drug:a --predicate p.x
eq "$(seqs)" "1 4 " "--subject --predicate"
expect 0 --json list --predicate p.x --subject drug:b
eq "$(seqs)" "3 " "--predicate --subject"
expect 0 --json list --source src:one
eq "$(seqs)" "1 3 " "--source"
expect 0 --json list --agent "$PUB"
eq "$(seqs)" "1 2 3 5 6 " "--agent"
expect 0 --json list --agent "$OTHER"
eq "$(seqs)" "4 " "--agent other"
expect 0 --json list --derived-from "$A1"
eq "$(seqs)" "3 4 " "--derived-from"
expect 0 --json list --supersedes "$A2"
eq "$(seqs)" "3 " "--supersedes"
expect 0 --json list --target "$A1"
eq "$(seqs)" "5 6 " "--target"
jq_true '.record.kind == "vote" or .record.kind == "event"'

# --as-of hides what came later; --after and --limit page.
expect 0 --json list --subject drug:a --as-of 3
eq "$(seqs)" "1 2 " "--as-of 3"
expect 0 --json list --agent "$PUB" --as-of 1
eq "$(seqs)" "1 " "--as-of 1"
expect 0 --json list --subject drug:a --as-of 0
eq "$(seqs)" "" "--as-of 0"
expect 0 --json list --subject drug:a --after 1
eq "$(seqs)" "2 4 " "--after 1"
expect 0 --json list --subject drug:a --limit 2
eq "$(seqs)" "1 2 " "--limit 2"
expect 0 --json list --subject drug:a --after 1 --limit 1
eq "$(seqs)" "2 " "--after 1 --limit 1"
expect 0 list --subject drug:a --limit 2
out_has "more follow: add --after 2"
expect 0 --json list --subject drug:nothing
[[ ! -s "$T/out" ]] || fail "an empty --json listing printed something"
expect 0 list --subject drug:nothing
out_has "no records"

# The table: a header, one row per record, short ids.
expect 0 list --subject drug:b
out_has "SEQ"
out_has "drug:b p.x = 3  [src:one]"
out_has "${B:0:12}"
out_lacks "$B"
expect 0 list --target "$A1"
out_has "vote"
out_has "+1 on ${A1:0:12}"
out_has "assertion_retract ${A1:0:12} \"typo\""

# Selector rules.
expect 2 list
err_has "give one selector"
expect 2 list --subject drug:a --source src:one
err_has "--subject and --source cannot be combined"
expect 2 list --predicate p.x
err_has "--predicate needs --subject"
expect 2 list --agent xyz
expect 2 list --derived-from "${A1:0:63}"
expect 2 list --target "$A1" --supersedes "$A2"
expect 2 list --subject drug:a --as-of -1
expect 2 list --subject drug:a extra
