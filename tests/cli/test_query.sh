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

# What an answer lists: the first N alternatives and support ids, with the totals; "all"
# lifts a cap; the winner is named whatever is listed.
expect 0 --json query drug:x myalgia --lens consensus
jq_true '(.answers[0].alternatives | length) == 3 and .answers[0].alternatives_total == 3'
jq_true '(.answers[0].support | length) == 2 and .answers[0].support_total == 2'
expect 0 --json query drug:x myalgia --lens consensus --alternatives 1 --support 1
jq_true '(.answers[0].alternatives | length) == 1 and .answers[0].alternatives_total == 3'
jq_true '(.answers[0].support | length) == 1 and .answers[0].support_total == 2'
jq_true '.answers[0].winner == "12.0 %" and .answers[0].alternatives[0].value == "12.0 %"'
expect 0 --json query drug:x myalgia --lens consensus --alternatives 0 --support all
# 0 lists none but the winner, which is always listed.
jq_true '(.answers[0].alternatives | length) == 1 and .answers[0].alternatives[0].value == "12.0 %"'
jq_true '(.answers[0].support | length) == 2'
expect 0 query drug:x myalgia --lens consensus --alternatives 1
kv winner "12.0 %"
out_has "... 2 more (--alternatives all)"
expect 2 query drug:x myalgia --alternatives -1
err_has "--alternatives"
expect 2 query drug:x myalgia --support 1.5
err_has "--support"
expect 2 query drug:x myalgia --alternatives ALL
expect 2 compare-lenses drug:x myalgia --alternatives 2

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

# What-if distrust: leaving out the regulator's agent hands authority to the forums too;
# leaving out the blogger changes nothing. The main answers stay the real ones.
expect 0 query drug:x myalgia --lens authority --what-if-distrust "$A"
kv winner "0.2 %"
out_has "what-if: distrusting $A"
out_has "myalgia: 0.2 % -> 12.0 %"
expect 0 query drug:x myalgia --lens authority --what-if-distrust "$D"
out_has "no conclusion would change"
expect 0 --json query drug:x myalgia --lens authority --what-if-distrust "$A"
jq_true ".what_if.distrust == \"$A\" and .what_if.retract == null"
jq_true '.answers[0].winner == "0.2 %" and .what_if.answers[0].winner == "12.0 %"'
jq_true '.what_if.changed == [{"subject": "drug:x", "predicate": "myalgia", "before": "0.2 %", "after": "12.0 %"}]'
jq_true '.what_if.answers[0].excluded.filter == 1'
expect 0 query drug:x myalgia --lens recency --what-if-distrust "$D" --as-of "$POS"
out_has "myalgia: 5.0 % -> 12.0 %"

# What-if epoch supersession: the real rules deprecate the epoch's claims, nothing is written.
expect 0 --quiet epoch open label-2011
expect 0 --quiet epoch open label-2020
expect 0 assert --key "$T/a.key" --subject drug:y --predicate dose --value 10 --type number \
    --source fda:label --epoch label-2011
expect 0 assert --key "$T/c.key" --subject drug:y --predicate dose --value 10 --type number \
    --source forum:1 --epoch label-2011
expect 0 assert --key "$T/b.key" --subject drug:y --predicate dose --value 20 --type number \
    --source forum:2
SEQ=$(last_seq)
expect 0 query drug:y dose --what-if-supersede-epoch label-2011 --what-if-successor label-2020
kv winner "10.0"
out_has "what-if: superseding label-2011 by label-2020"
out_has "dose: 10.0 -> 20.0"
expect 0 --json query drug:y --what-if-supersede-epoch label-2011
jq_true '.what_if.supersede_epoch == "label-2011" and .what_if.successor == null'
jq_true '.what_if.changed[0].before == "10.0" and .what_if.changed[0].after == "20.0"'
jq_true '.what_if.answers[0].excluded.stage == 2'
expect 0 query drug:y dose --what-if-supersede-epoch label-2020
out_has "no conclusion would change"
eq "$(last_seq)" "$SEQ" "log position after the what-ifs"
expect 0 query drug:y dose
kv winner "10.0"
expect 0 --quiet epoch supersede label-2011 --successor label-2020
expect 0 query drug:y dose
kv winner "20.0"
expect 1 query drug:y dose --what-if-supersede-epoch label-2011
err_has "what_if_supersede_epoch: is already superseded"
expect 1 query drug:y dose --what-if-supersede-epoch label-2020 --what-if-successor label-2011
err_has "what_if_successor: is superseded"
expect 1 query drug:y dose --what-if-supersede-epoch nope
err_has "what_if_supersede_epoch: no such epoch"
expect 2 query drug:y dose --what-if-successor label-2020

# Filters and parameters the API has: tiers, agent, support, skeptic.
expect 0 query drug:x myalgia --tier regulatory
kv winner "0.2 %"
kv candidates 1
expect 0 query drug:x myalgia --tier regulatory --tier unverified
kv candidates 5
expect 0 query drug:x myalgia --agent "$D" --lens recency
kv winner "12.0 %"
kv candidates 2
expect 0 query drug:x myalgia --min-support 3
kv winner "12.0 %"
expect 0 query drug:x myalgia --min-support 4
out_has "none (low_support"
expect 0 --json query drug:x myalgia --lens skeptic --outlier-ratio 20 --minority-share 0.1
jq_true '.answers[0].reason == "by_design"'
expect 1 query drug:x myalgia --lens skeptic --outlier-ratio 0.5
err_has "outlier_ratio"
expect 2 query drug:x myalgia --minority-share 2
expect 2 query drug:x myalgia --tier bogus
expect 2 query drug:x myalgia --agent nothex
expect 2 query drug:x myalgia --what-if-distrust nothex

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
expect 1 query drug:x myalgia --as-of 2999-01-01T00:00:00Z
err_has "as_of_time: in the future"
expect 1 query drug:x myalgia --as-of 1990-01-01T00:00:00Z
err_has "as_of_time: before the first record"
expect 1 query drug:x myalgia --as-of 3 --what-if-retract fda:label
err_has "what_if_retract: only at the latest position"
expect 1 query drug:x myalgia --what-if-retract nowhere:1
err_has "what_if_retract: no such source"
expect 1 query drug:x myalgia --what-if-distrust "$(new_agent e)"
err_has "what_if_distrust: no such agent"
expect 1 query drug:x myalgia --lens skeptic --margin 0.5 --min-support 0 --lens layered:bogus
err_has "lens: unknown lens in the layered chain"
expect 2 query drug:x myalgia --margin 2
expect 2 query drug:x myalgia --min-support -1
