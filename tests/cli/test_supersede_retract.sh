#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme supersede and steme retract: an agent replaces or withdraws its own claims; another
# agent's are refused with the field and the rule unless it is an editor; the head of a chain
# follows it; a retraction makes what is derived from the claim suspect.
source "$(dirname "$0")/lib.sh"
setup_store
BOB=$(new_agent bob)

assert_ok --subject drug:a --predicate dose.max --value 40 --unit mg --source src:label \
    --qualifier population=adults --confidence 0.9
A1=$ID

# Superseding one's own claim: a new assertion with its subject, predicate, source and
# qualifiers, and the new value; the old one superseded; the head is the new one.
expect 0 --json supersede "$A1" --key "$KEY" --value 80 --unit mg
jq_true ".status == \"new\" and .supersedes == \"$A1\" and .head == .id"
A2=$(jq_out .id)
A2_SEQ=$(jq_out .seq)
expect 0 --json get "$A2"
jq_true ".record.supersedes == [\"$A1\"] and .record.subject == \"drug:a\""
jq_true '.record.predicate == "dose.max" and .record.source == "src:label"'
jq_true '.record.object == {"type": "number", "value": 80, "unit": "mg"}'
jq_true '.record.qualifiers.population.value == "adults" and .record.confidence == 1'
jq_true '.stage == "active"'
expect 0 --json state "$A1"
jq_true ".stage == \"superseded\" and .superseded_by == $A2_SEQ and .head.id == \"$A2\""

# Another agent may not supersede it: the field and the rule, exit 1, nothing stored.
count=$(last_seq)
expect 1 supersede "$A2" --key "$T/bob.key" --value 120 --unit mg
err_has "steme: supersede: supersedes[0]: belongs to another agent; superseding it needs the editor role"
expect 1 --json supersede "$A2" --key "$T/bob.key" --value 120 --unit mg
jq_true '.error == "invalid" and .field == "supersedes[0]"'
eq "$(last_seq)" "$count" "last_seq after a refused supersession"

# A claim already superseded cannot be superseded again: supersede the head instead.
expect 1 supersede "$A1" --key "$KEY" --value 60 --unit mg
err_has "supersedes[0]: is already superseded"

# Flags override what is carried over; the table form names the chain's head.
expect 0 supersede "$A2_SEQ" --key "$KEY" --value 60 --unit mg --predicate dose.max.daily \
    --qualifier population=elderly
kv supersedes "$A2"
A3=$(awk '$1 == "id" {print $2}' "$T/out")
kv head "$A3"
expect 0 --json get "$A3"
jq_true '.record.predicate == "dose.max.daily" and .record.qualifiers == {"population": {"type": "string", "value": "elderly"}}'
# The head of every claim of the chain is the last one.
for id in "$A1" "$A2" "$A3"; do
    eq "$("$STEME_BIN" --json state "$id" | jq -r .head.id)" "$A3" "head of the chain"
done
expect 0 state "$A1"
grep -qE "^head +$A3 \(seq [0-9]+\)$" "$T/out" || fail "state: the head row"
kv stage superseded
expect 0 --quiet supersede "$A3" --key "$KEY" --value 50 --unit mg
A4=$(out)
[[ ${#A4} -eq 64 ]] || fail "supersede --quiet: the id alone"
eq "$("$STEME_BIN" --json state "$A1" | jq -r .head.id)" "$A4" "head after the next link"

# An editor may supersede another agent's claim (roles are granted with the admin key).
expect 1 agent set "$BOB" --role editor --key "$T/bob.key"
err_has "role: only an admin may grant a role"
expect 0 --json agent set "$BOB" --role editor
jq_true ".agent == \"$BOB\" and .role == \"editor\""
expect 0 --json supersede "$A4" --key "$T/bob.key" --value 45 --unit mg
jq_true '.status == "new"'
A5=$(jq_out .id)
eq "$("$STEME_BIN" --json state "$A1" | jq -r .head.id)" "$A5" "head after an editor's supersession"

# retract: only the author (or an editor) withdraws a claim.
new_agent carol >/dev/null
assert_ok --subject drug:b --predicate p --value 1 --source src:label
B=$ID
assert_ok --subject drug:b --predicate q --value 2 --source src:other --derived-from "$B"
B_CHILD=$ID
count=$(last_seq)
expect 1 retract "$B" --key "$T/carol.key" --reason "I disagree"
err_has "steme: retract: target: belongs to another agent; retracting it needs the editor role"
expect 1 --json retract "$B" --key "$T/carol.key"
jq_true '.error == "invalid" and .field == "target"'
eq "$(last_seq)" "$count" "last_seq after a refused retraction"
expect 0 --json retract "$B" --key "$KEY" --reason "wrong unit"
jq_true ".status == \"new\" and .target == \"$B\" and .stage == \"retracted\""
jq_true '.report.total == 2 and .report.per_depth == [1, 1]'
RETRACT_SEQ=$(jq_out .seq)
expect 0 --json state "$B"
jq_true ".conditions == [\"retracted_author\"] and .retracted_by == $RETRACT_SEQ"
expect 0 --json state "$B_CHILD"
jq_true '.stage == "suspect" and .tainted_parents == 1'
expect 0 --json provenance "$B_CHILD"
jq_true ".retracted_by.type == \"assertion_retract\" and .retracted_by.seq == $RETRACT_SEQ"
jq_true '.source == "src:label"'
expect 0 --json get "$RETRACT_SEQ"
jq_true ".record.type == \"assertion_retract\" and .record.target == \"$B\" and .record.reason == \"wrong unit\""
expect 1 retract "$B" --key "$KEY"
err_has "target: is already retracted"
# A retracted claim cannot be superseded.
expect 1 supersede "$B" --key "$KEY" --value 3
err_has "supersedes[0]: is retracted"
expect 1 retract "$(printf 'd%.0s' {1..64})" --key "$KEY"
err_has "target: no such assertion"
# An editor may retract another agent's claim; the table form shows the report.
assert_ok --subject drug:c --predicate p --value 1 --source src:label
expect 0 retract "$ID" --key "$T/bob.key"
kv stage retracted
kv total "1 assertion"

# supersede needs an assertion, a value, and at most one ID.
expect 1 supersede "$RETRACT_SEQ" --key "$KEY" --value 1
err_has "is an event, not an assertion"
expect 1 supersede 9999 --key "$KEY" --value 1
err_has "no record at seq 9999"
expect 2 supersede "$A5" --key "$KEY"
err_has "missing --value"
expect 2 supersede --key "$KEY" --value 1
expect 2 supersede "$A5" "$A4" --key "$KEY" --value 1
expect 2 supersede "$A5" --key "$KEY" --value 1 --file x.jsonl
expect 2 retract
expect 2 retract "$A5" extra --key "$KEY"
