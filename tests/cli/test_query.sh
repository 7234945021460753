#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_query.sh -- steme query, compare-lenses and verify-receipt on one crafted key where
# three lenses pick three different winners: a regulator says 0.2 % (authority), two forum
# posters say 12 % (consensus), a blog said 5 % last (recency).
source "$(dirname "$0")/lib.sh"

setup_store
A=$(new_agent a); B=$(new_agent b); C=$(new_agent c); D=$(new_agent d)
expect 0 source add fda:label --tier regulatory --key "$ADMIN_KEY"
claim() {
    expect 0 assert --key "$T/$1.key" --subject drug:x --predicate myalgia --value "$2" \
        --type number --unit % --source "$3" --at "$4"
}
claim a 0.2 fda:label 2024-01-01T00:00:00Z
claim b 12 forum:1 2024-02-01T00:00:00Z
claim c 12 forum:2 2024-03-01T00:00:00Z
claim d 5 blog:1 2024-04-01T00:00:00Z
POS=$(last_seq)

# Three lenses, three winners, each explained.
expect 0 query drug:x myalgia --lens authority --explain
kv winner "0.2 %"
out_has "explanation  authority v1"
expect 0 query drug:x myalgia --lens consensus --explain
kv winner "12.0 %"
out_has "explanation  consensus v1"
expect 0 query drug:x myalgia --lens recency --explain
kv winner "5.0 %"
out_has "explanation  recency v1"
expect 0 query drug:x myalgia --lens skeptic
out_has "none (by_design"

# --json parses and carries the receipt and position.
expect 0 --json query drug:x myalgia --lens layered:authority,consensus
jq_true ".position == $POS and .lens == \"layered:authority,consensus\" and .version == 1"
jq_true '.answers[0].winner == "0.2 %" and (.answers[0].receipt | length) == 64'
jq_true '.answers[0].conflict >= 0 and .answers[0].conflict <= 1'
RECEIPT=$(jq_out '.answers[0].receipt')

# Every lens side by side.
expect 0 compare-lenses drug:x myalgia
for l in recency consensus vote_consensus authority trust_authority skeptic layered; do
    out_has "$l"
done
expect 0 --json compare-lenses drug:x myalgia
jq_true '(.lenses | length) == 7'
jq_true '[.lenses[].conflict] | unique | length == 1'

# A later write changes the answer now, not the receipt at the old position.
claim d 12 blog:2 2024-05-01T00:00:00Z
expect 0 verify-receipt --receipt "$RECEIPT" drug:x myalgia --lens layered:authority,consensus \
    --as-of "$POS"
out_has match
BAD=$(printf '%s' "$RECEIPT" | sed 's/^./0/;t;s/^./1/')
[[ "$BAD" != "$RECEIPT" ]] || BAD=$(printf '%s' "$RECEIPT" | sed 's/^./1/')
expect 1 verify-receipt --receipt "$BAD" drug:x myalgia --lens layered:authority,consensus \
    --as-of "$POS"
out_has mismatch
expect 1 verify-receipt --receipt "$RECEIPT" drug:x myalgia --lens consensus --as-of "$POS"

# As of the old position the blog's 5 % is still the latest.
expect 0 query drug:x myalgia --lens recency --as-of "$POS"
kv winner "5.0 %"
expect 0 query drug:x myalgia --lens recency
kv winner "12.0 %"

# What-if: retracting the regulator would hand authority to the forums.
expect 0 query drug:x myalgia --lens authority --what-if-retract fda:label
out_has "what-if: retracting fda:label"
out_has "myalgia: 0.2 % -> 12.0 %"
expect 0 --json query drug:x myalgia --lens authority --what-if-retract fda:label
jq_true '.what_if.changed[0].before == "0.2 %" and .what_if.changed[0].after == "12.0 %"'

# Bad input: a precise error.
expect 1 query drug:x myalgia --lens majority
err_has "lens: unknown lens"
expect 1 query drug:x myalgia --lens layered --margin 0.5 --as-of 99999
err_has "as_of: beyond the last log position"
expect 1 --json query drug:x myalgia --lens layered:skeptic
jq_true '.field == "chain"'
expect 2 query drug:x myalgia --as-of yesterday
expect 2 query drug:x myalgia --valid-at never
expect 2 verify-receipt drug:x myalgia --lens consensus --as-of 3
