#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme assert with flags: every value type (given and inferred), every optional member,
# duplicates, and refusals that store nothing.
source "$(dirname "$0")/lib.sh"
setup_store

base=(--subject drug:atorvastatin --source fda:label:lipitor:2024)

# object_is PREDICATE-OF-LAST-ID TYPE VALUE [UNIT]: what `get` shows for the last assertion.
object_is() {
    expect 0 --json get "$ID"
    jq_true ".record.object.type == \"$1\" and .record.object.value == $2"
    if [[ $# -ge 3 ]]; then
        jq_true ".record.object.unit == \"$3\""
    else
        jq_true '.record.object | has("unit") | not'
    fi
}

# Inferred types.
assert_ok "${base[@]}" --predicate p.integer --value 42
object_is integer 42
assert_ok "${base[@]}" --predicate p.negative --value -7
object_is integer -7
assert_ok "${base[@]}" --predicate p.number --value 0.2 --unit %
object_is number 0.2 %
assert_ok "${base[@]}" --predicate p.number_plain --value 1.5e3
object_is number 1500
assert_ok "${base[@]}" --predicate p.whole_with_unit --value 40 --unit mg
object_is number 40 mg
assert_ok "${base[@]}" --predicate p.boolean --value true
object_is boolean true
assert_ok "${base[@]}" --predicate p.false --value false
object_is boolean false
assert_ok "${base[@]}" --predicate p.string --value "muscle pain"
object_is string '"muscle pain"'
assert_ok "${base[@]}" --predicate p.leading_zero --value 007
object_is string '"007"'
assert_ok "${base[@]}" --predicate p.infinity --value inf
object_is string '"inf"'

# Given types.
assert_ok "${base[@]}" --predicate p.ref --value drug:gemfibrozil --type ref
object_is ref '"drug:gemfibrozil"'
assert_ok "${base[@]}" --predicate p.forced_string --value 42 --type string
object_is string '"42"'
assert_ok "${base[@]}" --predicate p.forced_number --value 3 --type number
object_is number 3
assert_ok "${base[@]}" --predicate p.forced_integer --value 3 --type integer
object_is integer 3
assert_ok "${base[@]}" --predicate p.forced_boolean --value true --type boolean
object_is boolean true

# Every optional member, and the defaults. What supersedes, derived_from and epoch name must
# exist (docs/rules.md): two earlier claims of the same agent and an epoch the admin opened.
assert_ok --subject drug:simvastatin --predicate dose.max_daily --value 80 --unit mg \
    --source fda:label:zocor:2010
X=$ID
assert_ok --subject drug:simvastatin --predicate myopathy.risk --value high \
    --source fda:dsc:simvastatin:2011
Y=$ID
expect 0 --quiet epoch open fda-2011
assert_ok --subject drug:simvastatin --predicate dose.max_daily --value 40 --unit mg \
    --source fda:dsc:simvastatin:2011 --confidence 0.95 \
    --valid-from 2011-06-08T00:00:00Z --valid-until 1700000000000 \
    --supersedes "$X" --derived-from "$Y" --derived-from "$X" --epoch fda-2011 \
    --qualifier population=adults --qualifier dose_mg=80 --qualifier strict=true \
    --quote "Simvastatin 80 mg should not be started" --url https://www.fda.gov/ \
    --at 2024-06-04T11:00:00.250+02:00
expect 0 --json get "$ID"
jq_true '.record.kind == "assertion" and .record.confidence == 0.95'
jq_true ".record.agent == \"$PUB\""
jq_true '.record.asserted_at == "2024-06-04T09:00:00.250Z"'
jq_true '.record.valid_from == "2011-06-08T00:00:00.000Z"'
jq_true '.record.valid_until == "2023-11-14T22:13:20.000Z"'
jq_true ".record.supersedes == [\"$X\"] and (.record.derived_from | sort) == ([\"$X\", \"$Y\"] | sort)"
jq_true '.record.epoch == "fda-2011"'
jq_true '.record.qualifiers.population.value == "adults" and .record.qualifiers.population.type == "string"'
jq_true '.record.qualifiers.dose_mg == {"type": "integer", "value": 80}'
jq_true '.record.qualifiers.strict == {"type": "boolean", "value": true}'
jq_true '.record.evidence.quote == "Simvastatin 80 mg should not be started"'
jq_true '.record.evidence.url == "https://www.fda.gov/"'
full_id=$ID
full_seq=$SEQ

# The table form of get shows the same members.
expect 0 get "$full_id"
out_has "qualifiers.dose_mg"
out_has "80 (integer)"
out_has "40.0 mg (number)"
out_has "evidence.quote"
out_has "fda-2011"

# Defaults: confidence 1, asserted_at now.
assert_ok "${base[@]}" --predicate p.defaults --value x
expect 0 --json get "$ID"
jq_true '.record.confidence == 1'
jq_true '.record | has("valid_from") or has("epoch") or has("qualifiers") | not'

# The same content is one record: a duplicate with the first one's seq and id.
args=(--subject drug:x --predicate p.dup --value 1 --source src:a --at 1700000000000)
assert_ok "${args[@]}"
first_id=$ID
first_seq=$SEQ
jq_true '.status == "new"'
assert_ok "${args[@]}"
jq_true '.status == "duplicate"'
eq "$ID" "$first_id" "duplicate id"
eq "$SEQ" "$first_seq" "duplicate seq"
expect 0 assert --key "$KEY" "${args[@]}"
out_has "status  duplicate"
out_has "seq     $first_seq"
# --quiet: the id alone.
expect 0 --quiet assert --key "$KEY" "${args[@]}"
eq "$(out)" "$first_id" "assert --quiet output"

count=$(last_seq)

# Refused by the encoder: exit 1, "FIELD: RULE", nothing stored.
expect 1 assert --key "$KEY" --subject " drug:x" --predicate p --value 1 --source src:a
err_has "steme: assert: subject: leading or trailing space"
expect 1 assert --key "$KEY" "${base[@]}" --predicate p --value 1 \
    --valid-from 2024-01-01T00:00:00Z --valid-until 2023-01-01T00:00:00Z
err_has "valid_until"
expect 1 --json assert --key "$KEY" "${base[@]}" --predicate "" --value 1
jq_true '.error == "invalid" and .field == "predicate"'
expect 1 assert --key "$KEY" "${base[@]}" --predicate p --value 1 \
    --qualifier k=1 --qualifier k=2
err_has "qualifiers"
# Refused by the store: an author clock an hour ahead.
expect 1 assert --key "$KEY" "${base[@]}" --predicate p --value 1 \
    --at $(( ($(date +%s) + 3600) * 1000 ))
err_has "asserted_at"
eq "$(last_seq)" "$count" "last_seq after refusals"

# Usage errors: exit 2, nothing stored.
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value true --unit mg
err_has "only numbers have a unit"
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value 12 --type integer --unit mg
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value abc --type integer
err_has "not a 64-bit integer"
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value 1e999 --type number
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value yes --type boolean
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value 1 --type float
err_has "--type"
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value 1 --confidence 1.5
err_has "--confidence"
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value 1 --valid-from yesterday
err_has "--valid-from"
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value 1 --supersedes abc
err_has "--supersedes"
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value 1 --qualifier novalue
err_has "KEY=VALUE"
expect 2 assert --key "$KEY" --subject s --predicate p --value 1
err_has "missing --source"
expect 2 assert --key "$KEY" "${base[@]}" --predicate p --value 1 stray
err_has "unexpected argument 'stray'"
eq "$(last_seq)" "$count" "last_seq after usage errors"

# The default key file is $STEME_KEY_FILE.
cp "$KEY" "$STEME_KEY_FILE"
expect 0 --json assert "${base[@]}" --predicate p.default_key --value 1
expect 0 --json get "$(jq_out .id)"
jq_true ".record.agent == \"$PUB\""
