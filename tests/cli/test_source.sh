#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The source lifecycle from the command line: register, cite, a derived_from chain three
# steps deep, impact (the counts per depth, nothing written), retract (the same counts, stages
# retracted and suspect, provenance back to the source), reinstate (the stages restored) and
# history (both changes with their causes); the registry's list and show; the refusals.
source "$(dirname "$0")/lib.sh"
setup_store

# stage_of ID: the stage `steme state` reports.
stage_of() {
    "$STEME_BIN" --json state "$1" | jq -r .stage
}

expect 0 source add fda:label:lipitor:2024 --tier regulatory --title "LIPITOR label" \
    --url https://dailymed.nlm.nih.gov/
kv source.tier "regulatory"
kv source.weight "1"
expect 0 --json source add preprint:x --tier preprint --weight 0.4
jq_true '.status == "new" and .source.id == "preprint:x" and .source.tier == "preprint"'
jq_true '.source.weight == 0.4 and .source.status == "active" and .source.registered == true'
jq_true '(.seq | type == "number") and (.id | length == 64)'

# Two claims cite the source (depth 0); a chain rests on them: B1 <- R1, C1 <- B1, D1 <- C1,
# and B2 <- R2. The chain's claims cite another source that nobody registered.
src=fda:label:lipitor:2024
assert_ok --subject drug:atorvastatin --predicate myalgia --value 3.5 --unit % --source "$src"
R1=$ID
assert_ok --subject drug:atorvastatin --predicate dose.max --value 80 --unit mg --source "$src"
R2=$ID
assert_ok --subject drug:atorvastatin --predicate myalgia.adults --value 3.5 --unit % \
    --source review:x --derived-from "$R1"
B1=$ID
assert_ok --subject drug:atorvastatin --predicate dose.max.adults --value 80 --unit mg \
    --source review:x --derived-from "$R2"
B2=$ID
assert_ok --subject drug:statins --predicate myalgia.class --value common --source review:x \
    --derived-from "$B1"
C1=$ID
assert_ok --subject drug:statins --predicate advice --value "check CK" --source review:x \
    --derived-from "$C1"
D1=$ID
D1_SEQ=$SEQ
assert_ok --subject drug:unrelated --predicate p --value 1 --source review:x
U=$ID
for id in "$R1" "$R2" "$B1" "$B2" "$C1" "$D1" "$U"; do
    eq "$(stage_of "$id")" active "stage before the retraction"
done

# The registry: the registered sources, and the cited one flagged as unregistered.
expect 0 source list
out_has "ID"
out_has "RELIABILITY"
grep -qE "^fda:label:lipitor:2024 +regulatory +1 +active +2 " "$T/out" || fail "list: $src row"
grep -qE "^review:x +unverified +0.1 +unregistered +5 " "$T/out" || fail "list: review:x row"
out_has "1 unregistered"
expect 0 --json source list
[[ $(out_lines) -eq 3 ]] || fail "source list --json: one line per source"
jq_true 'has("id") and has("tier") and has("weight") and has("status") and has("assertions") and has("reliability")'
eq "$(jq_out 'select(.id == "review:x") | "\(.status) \(.registered) \(.tier) \(.assertions)"')" \
    "unregistered false unverified 5" "review:x in --json"
expect 0 source show "$src"
kv title "LIPITOR label"
kv url "https://dailymed.nlm.nih.gov/"
kv registered_seq "1"
expect 0 --json source show review:x
jq_true '.status == "unregistered" and .registered_seq == null and .title == null'
expect 1 source show nobody:cites
err_has "no source nobody:cites"

# impact: the counts per depth, and nothing written.
before=$(last_seq)
expect 0 impact "$src"
kv total "6 assertions"
kv "depth 0" "2 (hit directly)"
kv "depth 1" "2"
kv "depth 2" "1"
kv "depth 3" "1"
expect 0 --json impact "$src"
jq_true '.source == "fda:label:lipitor:2024" and .total == 6 and .per_depth == [2, 2, 1, 1]'
expect 0 --quiet impact "$src"
eq "$(out)" 6 "impact --quiet"
eq "$(last_seq)" "$before" "last_seq after impact"
eq "$(stage_of "$R1")" active "stage after impact"

# Only an admin retracts a source.
expect 1 source retract "$src" --key "$KEY"
err_has "steme: source retract: agent: this event type needs an admin's signature"
expect 1 --json source retract "$src" --key "$KEY"
jq_true '.error == "invalid" and .field == "agent"'
eq "$(last_seq)" "$before" "last_seq after a refused retraction"

# retract: the same counts, stored under the event.
expect 0 --json source retract "$src" --reason "label withdrawn"
jq_true '.status == "new" and .source == "fda:label:lipitor:2024"'
jq_true '.report.total == 6 and .report.per_depth == [2, 2, 1, 1]'
RETRACT_SEQ=$(jq_out .seq)
for id in "$R1" "$R2"; do eq "$(stage_of "$id")" retracted "cited claim after retraction"; done
for id in "$B1" "$B2" "$C1" "$D1"; do eq "$(stage_of "$id")" suspect "derived claim after retraction"; done
eq "$(stage_of "$U")" active "unrelated claim after retraction"
expect 0 --json state "$R1"
jq_true ".conditions == [\"retracted_source\"] and .retracted_by == $RETRACT_SEQ"
expect 0 state "$D1"
kv stage "suspect"
grep -qE "^tainted_parents +1 \\(via seq [0-9]+\\)$" "$T/out" || fail "state: tainted_parents"

# get and list show the stage.
expect 0 get "$R1"
kv stage "retracted"
expect 0 --json get "$D1"
jq_true '.stage == "suspect"'
expect 0 list --source "$src"
out_has "retracted"
expect 0 --json list --subject drug:statins
jq_true '.stage == "suspect"'
expect 0 --json list --source "$src" --as-of "$before"
jq_true '.stage == "active"'
expect 0 --json get "$R1" --as-of "$before"
jq_true '.stage == "active"'

# The source's status, and the refusals that change nothing.
expect 0 --json source show "$src"
jq_true ".status == \"retracted\" and .status_seq == $RETRACT_SEQ and .reason == \"label withdrawn\""
expect 1 source retract "$src"
err_has "steme: source retract: source: is already retracted"
expect 1 impact "$src"
err_has "already retracted"
expect 1 source retract nobody:cites
err_has "source: not registered or cited"
expect 1 impact nobody:cites
err_has "no source nobody:cites"
expect 1 source reinstate preprint:x
err_has "source: is not retracted"

# provenance: the path from D1 back to the retracted claim, its event and its source.
expect 0 --json provenance "$D1"
jq_true ".stage == \"suspect\" and ([.path[].id] == [\"$D1\", \"$C1\", \"$B1\", \"$R1\"])"
jq_true '[.path[].stage] == ["suspect", "suspect", "suspect", "retracted"]'
jq_true ".retracted_by.seq == $RETRACT_SEQ and .retracted_by.type == \"source_retract\""
jq_true '.retracted_by.source == "fda:label:lipitor:2024" and .source == "fda:label:lipitor:2024"'
expect 0 provenance "$D1"
kv steps "4"
out_has "retracted_by  seq $RETRACT_SEQ  source_retract fda:label:lipitor:2024 \"label withdrawn\""
kv source "fda:label:lipitor:2024"
out_has "${R1:0:12}"
expect 0 --json provenance "$U"
jq_true ".path | length == 1"
jq_true '.retracted_by == null'
expect 0 provenance "$U"
out_has "not tainted"

# reinstate: the same counts, and every stage back to what it was.
expect 0 source reinstate "$src" --reason "label restored"
kv total "6 assertions"
kv "depth 3" "1"
expect 0 --json source show "$src"
jq_true '.status == "active" and .reason == "label restored"'
REINSTATE_SEQ=$(jq_out .status_seq)
for id in "$R1" "$R2" "$B1" "$B2" "$C1" "$D1" "$U"; do
    eq "$(stage_of "$id")" active "stage after reinstatement"
done

# history: birth, then both changes with their causes.
expect 0 --json history "$D1"
jq_true ".seq == $D1_SEQ and (.changes | length == 3)"
jq_true ".changes[0] | .seq == $D1_SEQ and .kind == \"assertion\" and .from == null and .to == \"active\""
jq_true ".changes[1] | .seq == $RETRACT_SEQ and .type == \"source_retract\" and .from == \"active\" and .to == \"suspect\""
jq_true ".changes[2] | .seq == $REINSTATE_SEQ and .type == \"source_reinstate\" and .from == \"suspect\" and .to == \"active\""
jq_true '.changes[1].summary | contains("label withdrawn")'
expect 0 history "$D1_SEQ"
out_has "CHANGE"
grep -qE "^$RETRACT_SEQ +source_retract +active -> suspect +source_retract fda:label:lipitor:2024 \"label withdrawn\"$" \
    "$T/out" || fail "history: the retraction row"
grep -qE "^$REINSTATE_SEQ +source_reinstate +suspect -> active +source_reinstate " "$T/out" ||
    fail "history: the reinstatement row"

# Unknown assertions and malformed names.
expect 1 history "$(printf 'f%.0s' {1..64})"
err_has "no assertion with id"
expect 1 state 999
err_has "no record at seq 999"
expect 1 --json provenance 1
jq_true '.error == "not_found"'
expect 2 state abc
expect 2 history
expect 2 impact
expect 2 source add x
err_has "missing --tier"
expect 2 source add x --tier gold
err_has "--tier: 'gold' is not"
expect 2 source add x --tier expert --weight 2
expect 2 source retract

# Everything derived from the log comes out the same when rebuilt from it.
expect 0 rebuild
kv match "yes"
