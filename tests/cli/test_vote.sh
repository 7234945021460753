#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme vote: +1/-1/up/down, one standing vote per agent (a later vote replaces the earlier in
# effect, both stay in the log), disputed when down-votes win, and refusals that store nothing.
source "$(dirname "$0")/lib.sh"
setup_store
new_agent bob >/dev/null
new_agent carol >/dev/null

assert_ok --subject drug:a --predicate p --value 1 --source src:a
A=$ID
A_SEQ=$SEQ

# A first vote, by id, written every way the value may be written.
expect 0 --json vote "$A" +1 --key "$T/bob.key" --reason "matches the label"
jq_true ".status == \"new\" and .target == \"$A\" and .value == 1"
jq_true '.stage == "active" and .votes == {"up": 1, "down": 0}'
V1=$(jq_out .id)
expect 0 --json get "$V1"
jq_true '.record.kind == "vote" and .record.value == 1 and .record.reason == "matches the label"'
jq_true '.stage == null'

# The same agent changes its mind (by seq, with -1): its standing vote is replaced.
expect 0 vote "$A_SEQ" -1 --key "$T/bob.key"
kv vote "-1"
kv votes "0 up, 1 down"
kv stage "active"
expect 0 --json state "$A"
jq_true '.votes == {"up": 0, "down": 1} and .stage == "active"'
# Both votes stay in the log.
expect 0 --json list --target "$A"
[[ $(out_lines) -eq 2 ]] || fail "both votes should be listed"

# A second standing down-vote: more down than up, at least 2: disputed.
expect 0 --json vote "$A" down --key "$T/carol.key"
jq_true '.stage == "disputed" and .votes == {"up": 0, "down": 2}'
eq "$("$STEME_BIN" --json get "$A" | jq -r .stage)" disputed "get shows the stage"
expect 0 list --subject drug:a
out_has "disputed"
# The author endorses it: 1 up, 2 down, still disputed; carol relents: 1 up, 1 down, active.
expect 0 --json vote "$A" up --key "$KEY"
jq_true '.stage == "disputed" and .votes == {"up": 1, "down": 2}'
expect 0 --json vote "$A" 1 --key "$T/carol.key"
jq_true '.stage == "active" and .votes == {"up": 2, "down": 1}'

# history shows the votes that changed the stage.
expect 0 --json history "$A"
jq_true '[.changes[].to] == ["active", "disputed", "active"]'
jq_true '[.changes[].kind] == ["assertion", "vote", "vote"]'
expect 0 history "$A"
out_has "vote"
out_has "active -> disputed"

# -1 after an option that takes a value is that option's value, not the vote.
expect 0 --json vote "$A" up --reason -1 --key "$T/carol.key"
jq_true '.value == 1'
expect 0 --json get "$(jq_out .id)"
jq_true '.record.reason == "-1"'

# Refused by the store: exit 1 with the field and the rule, nothing stored.
count=$(last_seq)
unknown=$(printf 'e%.0s' {1..64})
expect 1 vote "$unknown" +1 --key "$T/bob.key"
err_has "steme: vote: target: no such assertion"
expect 1 --json vote "$unknown" -1 --key "$T/bob.key"
jq_true '.error == "invalid" and .field == "target" and (.message | contains("no such assertion"))'
expect 1 vote "$V1" +1 --key "$T/bob.key"
err_has "target: is not an assertion"
expect 1 vote 999 +1 --key "$T/bob.key"
err_has "no record at seq 999"
expect 1 vote "$A" +1 --key "$T/nobody.key"
err_has "key file $T/nobody.key not found"
eq "$(last_seq)" "$count" "last_seq after refused votes"

# Usage errors.
expect 2 vote "$A" --key "$T/bob.key"
err_has "missing the vote"
expect 2 vote "$A" 2 --key "$T/bob.key"
err_has "'2' is not a vote"
expect 2 vote "$A" +1 extra --key "$T/bob.key"
expect 2 vote abc +1 --key "$T/bob.key"
expect 2 vote
eq "$(last_seq)" "$count" "last_seq after usage errors"
