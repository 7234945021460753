#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme quarantine list|approve|reject: an agent whose claims contradict gold standards falls
# below the quarantine threshold and its next claims are held; an admin approves or rejects
# them (logged events); anyone else is refused with the field and the rule.
source "$(dirname "$0")/lib.sh"
setup_store
TROLL=$(new_agent troll)

expect 0 quarantine list
out_has "nothing in quarantine"
expect 0 --json quarantine list
[[ ! -s "$T/out" ]] || fail "an empty --json quarantine list printed something"

# Two claims against two gold standards bring the troll's trust below the threshold (0.30).
expect 0 --quiet gold set drug:a p --value 1
expect 0 --quiet gold set drug:b p --value 2
expect 0 --quiet assert --key "$T/troll.key" --subject drug:a --predicate p --value 10 --source s
expect 0 --quiet assert --key "$T/troll.key" --subject drug:b --predicate p --value 20 --source s
expect 0 --json trust show "$TROLL"
jq_true '.trust < 0.3'

# Its next claims go to quarantine; an honest agent's do not.
expect 0 --json assert --key "$T/troll.key" --subject drug:c --predicate p --value 1 --source s
Q1=$(jq_out .id)
Q1_SEQ=$(jq_out .seq)
expect 0 --json assert --key "$T/troll.key" --subject drug:d --predicate p --value 1 --source s
Q2=$(jq_out .id)
assert_ok --subject drug:e --predicate p --value 1 --source s
OK=$ID
expect 0 --json state "$Q1"
jq_true '.stage == "quarantined" and .conditions == ["quarantined"] and .quarantine_reason == "low_trust"'
expect 0 state "$Q1"
kv quarantine low_trust
eq "$("$STEME_BIN" --json state "$OK" | jq -r .stage)" active "an honest agent's claim"
expect 0 --json get "$Q1"
jq_true '.stage == "quarantined"'
expect 0 --json trust show "$TROLL"
jq_true '.quarantined == 2'

# The list: oldest first, with the reason.
expect 0 quarantine list
out_has "REASON"
out_has "${Q1:0:12}"
out_has "${Q2:0:12}"
out_has "${TROLL:0:12}"
out_has "low_trust"
out_has "drug:c p = 1  [s]"
expect 0 --json quarantine list
[[ $(out_lines) -eq 2 ]] || fail "quarantine list --json: one line per claim"
eq "$(jq_out .id | tr '\n' ' ')" "$Q1 $Q2 " "quarantine order"
jq_true '.quarantine_reason == "low_trust" and .stage == "quarantined" and .record.kind == "assertion"'

# Only an admin decides: refused for the troll and for an honest agent, nothing stored.
count=$(last_seq)
expect 1 quarantine approve "$Q1" --key "$T/troll.key"
err_has "steme: quarantine approve: agent: this event type needs an admin's signature"
expect 1 --json quarantine reject "$Q1" --key "$KEY"
jq_true '.error == "invalid" and .field == "agent"'
eq "$(last_seq)" "$count" "last_seq after refused decisions"

# approve: the claim becomes active; reject: rejected. Both are logged events.
expect 0 --json quarantine approve "$Q1_SEQ" --reason "checked"
jq_true ".status == \"new\" and .target == \"$Q1\" and .decision == \"approve\" and .stage == \"active\""
APPROVE=$(jq_out .id)
expect 0 quarantine reject "$Q2" --reason spam
kv decision reject
kv stage rejected
eq "$("$STEME_BIN" --json state "$Q2" | jq -r .stage)" rejected "rejected claim"
expect 0 --json get "$APPROVE"
jq_true ".record.type == \"quarantine_decision\" and .record.target == \"$Q1\" and .record.reason == \"checked\""
expect 0 --json history "$Q2"
jq_true '[.changes[].to] == ["quarantined", "rejected"] and .changes[1].type == "quarantine_decision"'
expect 0 quarantine list
out_has "nothing in quarantine"

# A claim that is not in quarantine cannot be decided on.
expect 1 quarantine approve "$OK"
err_has "target: is not quarantined"
expect 1 quarantine reject "$Q2"
err_has "target: is not quarantined"
expect 1 quarantine approve "$(printf 'c%.0s' {1..64})"
err_has "target: no such assertion"

# Usage errors.
expect 2 quarantine approve
expect 2 quarantine approve abc
expect 2 quarantine list extra
expect 2 quarantine
