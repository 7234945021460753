#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_audit.sh -- steme query --audit and steme audit: "why did agent X believe Y": a query
# is recorded with its asker, position and receipt; after later writes change the answer the
# row still verifies at its position, and a rebuild keeps the audit.
source "$(dirname "$0")/lib.sh"

setup_store
A=$(new_agent a); B=$(new_agent b)
expect 0 source add fda:label --tier regulatory --key "$ADMIN_KEY"
expect 0 assert --key "$T/a.key" --subject drug:x --predicate myalgia --value 0.2 \
    --type number --unit % --source fda:label --at 2024-01-01T00:00:00Z
expect 0 assert --key "$T/b.key" --subject drug:x --predicate myalgia --value 12 \
    --type number --unit % --source forum:1 --at 2024-02-01T00:00:00Z
POS=$(last_seq)

expect 0 query drug:x myalgia --lens authority --audit --asker agent-x
kv winner "0.2 %"
expect 2 query drug:x myalgia --asker agent-x
expect 0 audit
out_has "agent-x  drug:x  myalgia  authority  $POS  winner"

# Later writes: the answer changes, the audit row still verifies at its position.
expect 0 source retract fda:label --key "$ADMIN_KEY"
expect 0 query drug:x myalgia --lens authority --no-cache
kv winner "12.0 %"
expect 0 rebuild
expect 0 audit --verify --limit 1
out_has "verified yes"
expect 0 --json audit --verify
jq_true 'length == 1 and .[0].asker == "agent-x" and .[0].position == '"$POS"
jq_true '.[0].verified == true and .[0].lens == "authority" and .[0].reason == "winner"'
expect 2 audit --limit 0
