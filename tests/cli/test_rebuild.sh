#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme rebuild: after a log that exercises every rule (sources, cascades, votes, supersession,
# epochs, gold, trust, quarantine, roles), the derived state rebuilt from the log hashes the
# same as the state kept record by record; rebuilding changes no stage.
source "$(dirname "$0")/lib.sh"
setup_store
BOB=$(new_agent bob)
new_agent troll >/dev/null

expect 0 rebuild
kv match yes
expect 0 --quiet epoch open e1
expect 0 --quiet epoch open e2
expect 0 --quiet source add src:a --tier peer_reviewed
expect 0 --quiet gold set drug:g p --value 1
expect 0 --quiet gold set drug:h p --value 1
assert_ok --subject drug:a --predicate p --value 1 --source src:a --epoch e1
A=$ID
assert_ok --subject drug:b --predicate p --value 2 --source src:b --derived-from "$A"
B=$ID
assert_ok --subject drug:g --predicate p --value 1 --source src:b
expect 0 --quiet vote "$B" -1 --key "$T/bob.key"
expect 0 --quiet vote "$B" +1 --key "$T/bob.key"
expect 0 --quiet supersede "$B" --key "$KEY" --value 3
expect 0 --quiet assert --key "$T/troll.key" --subject drug:g --predicate p --value 9 --source s
expect 0 --quiet assert --key "$T/troll.key" --subject drug:h --predicate p --value 9 --source s
expect 0 --json assert --key "$T/troll.key" --subject drug:q --predicate p --value 9 --source s
Q=$(jq_out .id)
expect 0 --quiet quarantine reject "$Q"
expect 0 --quiet source retract src:a
expect 0 --quiet epoch supersede e1 --successor e2
expect 0 --quiet agent set "$BOB" --name Bob --role editor

expect 0 --json log --limit 0
"$STEME_BIN" --json log --limit 0 | jq -c '[.seq, .stage]' >"$T/stages.before"
expect 0 --json rebuild
jq_true '.match == true and .before == .after and (.before | length == 64)'
"$STEME_BIN" --json log --limit 0 | jq -c '[.seq, .stage]' >"$T/stages.after"
cmp -s "$T/stages.before" "$T/stages.after" || fail "a stage changed in the rebuild"
expect 0 rebuild
kv match yes
grep -qE "^before +[0-9a-f]{64}$" "$T/out" || fail "rebuild: the hash before"
expect 0 --quiet rebuild
[[ ! -s "$T/out" ]] || fail "rebuild --quiet printed something on a match"
expect 0 check
expect 2 rebuild now
expect 1 --db "$T/none" rebuild
err_has "no store"
