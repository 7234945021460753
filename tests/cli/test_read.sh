#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme get and steme log: by id and by seq, --as-of, --after and --limit.
source "$(dirname "$0")/lib.sh"
setup_store

for i in $(seq 1 60); do
    printf '{"subject":"item:%d","predicate":"p.n","object":%d,"source":"src:read","asserted_at":1700000000000}\n' \
        "$i" "$i"
done >"$T/sixty.jsonl"
expect 0 --quiet assert --key "$KEY" --file "$T/sixty.jsonl"

# get by seq and by id give the same record.
expect 0 --json get 7
jq_true '.seq == 7 and .record.subject == "item:7" and .record.object == {"type": "integer", "value": 7}'
jq_true '(.signature | length == 128) and (.recorded_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z$"))'
id7=$(jq_out .id)
expect 0 --json get "$id7"
jq_true '.seq == 7'
expect 0 get "$id7"
out_has "seq"
out_has "item:7"
out_has "7 (integer)"
out_has "$id7"
out_has "recorded_at"

# --as-of hides later records.
expect 0 get "$id7" --as-of 7
expect 0 get 7 --as-of 60
expect 1 get "$id7" --as-of 6
err_has "no record with id $id7 as of seq 6"
expect 1 get 7 --as-of 6
err_has "no record at seq 7 as of seq 6"
expect 1 get 7 --as-of 0

# Unknown records, malformed names.
expect 1 get 61
err_has "no record at seq 61"
expect 1 --json get "$(printf 'f%.0s' {1..64})"
jq_true '.error == "not_found"'
expect 2 get abc
err_has "neither an id"
expect 2 get 0
expect 2 get "$(printf 'g%.0s' {1..64})"
expect 2 get
expect 2 get 1 2
expect 2 get 1 --as-of x

# log: default limit 50, with a pointer to the rest.
expect 0 log
[[ $(out_lines) -eq 52 ]] || fail "log: expected a header, 50 rows and a footer, got $(out_lines) lines"
out_has "SEQ"
out_has "more follow: add --after 50"
out_has "item:50 p.n = 50  [src:read]"
out_lacks "item:51 "
expect 0 --json log
[[ $(out_lines) -eq 50 ]] || fail "log --json: expected 50 lines"
expect 0 --json log --limit 0
[[ $(out_lines) -eq 60 ]] || fail "log --limit 0: expected 60 lines"
eq "$(jq_out .seq | tr '\n' ' ')" "$(seq -s ' ' 1 60) " "log order"
expect 0 --json log --after 55
eq "$(jq_out .seq | tr '\n' ' ')" "56 57 58 59 60 " "log --after 55"
expect 0 --json log --after 10 --limit 3
eq "$(jq_out .seq | tr '\n' ' ')" "11 12 13 " "log --after 10 --limit 3"
expect 0 log --after 10 --limit 3
out_has "(3 shown; more follow: add --after 13)"
expect 0 log --after 57 --limit 3
out_lacks "more follow"
expect 0 --quiet log --limit 3
out_lacks "more follow"
expect 0 log --after 60
out_has "no records"
expect 0 --json log --after 60
[[ ! -s "$T/out" ]] || fail "log --json past the end printed something"
expect 2 log --limit -1
expect 2 log --after x
expect 2 log extra
