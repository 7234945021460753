#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme epoch open|supersede and steme reaffirm: superseding an epoch deprecates its claims
# unless re-affirmed in the successor, before or after; the count is reported like a cascade.
source "$(dirname "$0")/lib.sh"
setup_store

expect 0 --json epoch open acc-aha-2018 --description "2018 cholesterol guideline"
jq_true '.status == "new" and .epoch == "acc-aha-2018" and (.seq | type == "number")'
expect 0 epoch open acc-aha-2024
kv epoch acc-aha-2024
expect 0 --json get 1
jq_true '.record.type == "epoch_open" and .record.reason == "2018 cholesterol guideline"'

# Only an admin opens epochs; an epoch is opened once.
expect 1 epoch open acc-aha-2030 --key "$KEY"
err_has "steme: epoch open: agent: this event type needs an admin's signature"
expect 1 epoch open acc-aha-2018
err_has "epoch: already exists"
# A claim may only name an open epoch.
expect 1 assert --key "$KEY" --subject drug:a --predicate p --value 1 --source s --epoch nope
err_has "epoch: no such epoch"

assert_ok --subject drug:atorvastatin --predicate ldl.target --value 100 --unit mg/dL \
    --source acc:2018 --epoch acc-aha-2018
A=$ID
A_SEQ=$SEQ
assert_ok --subject drug:atorvastatin --predicate intensity --value high --source acc:2018 \
    --epoch acc-aha-2018
B=$ID
assert_ok --subject drug:atorvastatin --predicate monitoring --value lipids --source acc:2018 \
    --epoch acc-aha-2018
C=$ID
assert_ok --subject drug:atorvastatin --predicate other --value x --source acc:2018
NONE=$ID

# Re-affirmed before the supersession: C stays active.
expect 0 --json reaffirm "$C" --epoch acc-aha-2024 --key "$KEY"
jq_true ".status == \"new\" and .target == \"$C\" and .epoch == \"acc-aha-2024\" and .stage == \"active\""
expect 1 reaffirm "$C" --epoch acc-aha-2024 --key "$KEY"
err_has "epoch: already re-affirms the assertion"
expect 1 reaffirm "$C" --epoch acc-aha-2018 --key "$KEY"
err_has "epoch: is the assertion's own epoch"
new_agent bob >/dev/null
expect 1 reaffirm "$A" --epoch acc-aha-2024 --key "$T/bob.key"
err_has "target: belongs to another agent; re-affirming it needs the editor role"

# The supersession deprecates the rest of the epoch and says how many.
expect 1 epoch supersede acc-aha-2018 --successor acc-aha-2024 --key "$KEY"
err_has "agent: this event type needs an admin's signature"
expect 0 --json epoch supersede acc-aha-2018 --successor acc-aha-2024 --reason "2024 revision"
jq_true '.status == "new" and .epoch == "acc-aha-2018" and .report.total == 2'
jq_true '.report.per_depth[0] == 2'
SUP_SEQ=$(jq_out .seq)
for id in "$A" "$B"; do
    eq "$("$STEME_BIN" --json state "$id" | jq -r .stage)" deprecated "stage after the supersession"
done
eq "$("$STEME_BIN" --json state "$C" | jq -r .stage)" active "re-affirmed claim"
eq "$("$STEME_BIN" --json state "$NONE" | jq -r .stage)" active "claim of no epoch"
expect 0 --json state "$A"
jq_true '.conditions == ["deprecated"]'
expect 1 epoch supersede acc-aha-2018 --successor acc-aha-2024
err_has "epoch: is already superseded"
expect 1 assert --key "$KEY" --subject drug:a --predicate p --value 1 --source s \
    --epoch acc-aha-2018
err_has "epoch: is superseded"

# Re-affirmed after: the deprecation is lifted.
expect 0 reaffirm "$A_SEQ" --epoch acc-aha-2024 --key "$KEY"
kv stage active
kv epoch acc-aha-2024
eq "$("$STEME_BIN" --json state "$B" | jq -r .stage)" deprecated "B is still deprecated"
expect 0 --json history "$A"
jq_true '[.changes[].to] == ["active", "deprecated", "active"]'
jq_true ".changes[1].seq == $SUP_SEQ and .changes[1].type == \"epoch_supersede\" and .changes[2].type == \"reaffirm\""

# The table form of a supersession; the stage in list.
expect 0 epoch open e1
expect 0 epoch open e2
assert_ok --subject drug:z --predicate p --value 1 --source s --epoch e1
expect 0 epoch supersede e1 --successor e2
kv epoch e1
kv total "1 assertion"
expect 0 list --subject drug:z
out_has "deprecated"

# Usage errors.
expect 2 epoch
expect 2 epoch open
expect 2 epoch supersede e2
err_has "missing --successor"
expect 2 reaffirm "$A" --key "$KEY"
err_has "missing --epoch"
expect 2 epoch close e2
err_has "unknown subcommand 'close'"
