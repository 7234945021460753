#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme gold set|show, steme trust show and steme agent set|show: an agent that agrees with a
# gold standard gains trust, one that contradicts it loses trust; trust as of a log position;
# display names and roles, carried over when only one of them changes.
source "$(dirname "$0")/lib.sh"
setup_store
TROLL=$(new_agent troll)

# gold set: admin only; the value is read as assert reads it.
expect 1 gold set drug:a p.rate --value 5 --key "$KEY"
err_has "steme: gold set: agent: this event type needs an admin's signature"
expect 0 --json gold set drug:a p.rate --value 5
jq_true '.status == "new" and .subject == "drug:a" and .predicate == "p.rate"'
jq_true '.value == {"type": "integer", "value": 5}'
GOLD_SEQ=$(jq_out .seq)
expect 0 gold set drug:b p.dose --value 40 --unit mg
kv value "40.0 mg (number)"
expect 0 gold set drug:c p.flag --value true
expect 0 gold show drug:b p.dose
kv value "40.0 mg (number)"
kv agent "$ADMIN_PUB"
expect 0 --json gold show drug:a p.rate
jq_true ".seq == $GOLD_SEQ and .agent == \"$ADMIN_PUB\" and .value.value == 5"
jq_true 'has("id") and has("recorded_at")'
expect 1 gold show drug:a p.other
err_has "no gold standard for drug:a p.other"

# Everyone starts at the prior.
expect 0 --json trust show "$PUB"
jq_true '.trust == 0.5 and .evidence == 0 and .role == "none" and .name == null'
before=$(last_seq)

# Agreeing with gold raises trust; contradicting it lowers it.
assert_ok --subject drug:a --predicate p.rate --value 5 --source src:a
expect 0 --json trust show "$PUB"
jq_true '.trust > 0.5 and .evidence == 1 and .assertions == 1 and .alpha > .beta'
HONEST=$(jq_out .trust)
expect 0 --json assert --key "$T/troll.key" --subject drug:a --predicate p.rate --value 50 \
    --source src:a
expect 0 --json trust show "$TROLL"
jq_true '.trust < 0.5 and .evidence == 1 and .beta > .alpha'
# A vote against the gold value counts too: the troll endorses a wrong claim of its own.
expect 0 --json assert --key "$T/troll.key" --subject drug:b --predicate p.dose --value 400 \
    --unit mg --source src:a
expect 0 vote "$(jq_out .id)" +1 --key "$T/troll.key"
expect 0 --json trust show "$TROLL"
jq_true '.evidence >= 2 and .votes == 1'

# As of a log position: the same numbers every time; before any evidence, the prior.
expect 0 --json trust show "$PUB" --as-of "$before"
jq_true '.trust == 0.5 and .alpha == 1 and .beta == 1'
expect 0 --json trust show "$PUB" --as-of "$((before + 1))"
eq "$(jq_out .trust)" "$HONEST" "trust as of the honest claim"

# All agents: a table, or JSON Lines.
expect 0 trust show
out_has "KEY"
out_has "TRUST"
out_has "EVIDENCE"
out_has "${PUB:0:12}"
out_has "${TROLL:0:12}"
out_has "${ADMIN_PUB:0:12}"
expect 0 --json trust show
jq_true 'has("key") and has("trust") and has("alpha") and has("beta") and has("evidence") and has("role")'
eq "$(jq_out "select(.key == \"$PUB\") | .trust")" "$HONEST" "trust of the honest agent (all)"
eq "$(jq_out "select(.key == \"$ADMIN_PUB\") | .role")" admin "role of the genesis admin"
expect 0 --json trust show --as-of "$before"
[[ -z $(jq_out "select(.key == \"$TROLL\") | .key") ]] || fail "the troll was listed before it wrote"
expect 0 trust show "$PUB"
kv role none
kv evidence 1

# agent set: an agent names itself; another agent's profile and roles need the admin.
expect 0 --json agent set "$PUB" --name "Honest Ada" --key "$KEY"
jq_true ".agent == \"$PUB\" and .name == \"Honest Ada\" and .role == \"none\""
expect 1 agent set "$PUB" --name "Mallory was here" --key "$T/troll.key"
err_has "steme: agent set: target_agent: only an admin may write another agent's profile"
expect 1 agent set "$TROLL" --role editor --key "$T/troll.key"
err_has "role: only an admin may grant a role"
# A role granted by the admin keeps the name; the name changed by the agent keeps the role;
# the admin renaming the agent keeps the role too.
expect 0 --json agent set "$PUB" --role editor
jq_true '.name == "Honest Ada" and .role == "editor"'
expect 0 --json agent set "$PUB" --name "Ada L." --key "$KEY"
jq_true '.name == "Ada L." and .role == "editor"'
expect 0 --json agent set "$PUB" --name "Ada Lovelace" --key "$ADMIN_KEY"
jq_true '.name == "Ada Lovelace" and .role == "editor"'
# Dropping a role is the admin's too.
expect 1 agent set "$PUB" --role none --key "$KEY"
err_has "role: only an admin may grant a role"
expect 0 agent set "$PUB" --role none
kv role none
kv name "Ada Lovelace"
expect 0 --json agent show "$PUB"
jq_true '.name == "Ada Lovelace" and .role == "none" and (.profile_seq | type == "number")'
jq_true 'has("trust") and has("assertions") and has("votes") and has("events") and has("quarantined") and has("rejections")'
expect 0 agent show "$PUB"
kv name "Ada Lovelace"
expect 0 --json agent set "$PUB" --name "" --key "$KEY"
jq_true '.name == null'

# Usage errors.
expect 2 agent set "$PUB" --key "$KEY"
err_has "nothing to set"
expect 2 agent set "$PUB" --role boss
err_has "--role: 'boss' is not none, editor or admin"
expect 2 agent set xyz --name x
err_has "not a public key"
expect 2 agent show
expect 2 trust show "$PUB" --as-of 0
expect 2 trust show "$PUB" "$TROLL"
expect 2 gold set drug:a --value 1
err_has "missing the SUBJECT and PREDICATE"
expect 2 gold set drug:a p
err_has "missing --value"
expect 2 gold set drug:a p --value x --unit mg
err_has "only numbers have a unit"
