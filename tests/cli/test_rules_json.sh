#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --json for every knowledge-rule command: each prints JSON that jq reads, with the documented
# members; errors are JSON objects too. (The secret of every key file -- agents' and the
# admin's -- is checked against the whole transcript by lib.sh on exit.)
source "$(dirname "$0")/lib.sh"

# members FILTER-FOR-KEYS: the object's keys, sorted, as one line.
members() { jq -c "$1 | keys" "$T/out"; }

expect 0 --json init
ADMIN_KEY="$T/db/admin.key"
eq "$(members .)" '["admin","db","format_version"]' "init"
expect 0 --json keygen --out "$T/me.key"
KEY="$T/me.key"
PUB=$(pub_of "$KEY")

expect 0 --json source add src:a --tier expert --title T --url https://example.org/
eq "$(members .)" '["id","seq","source","status"]' "source add"
eq "$(members .source)" \
    '["assertions","id","registered","registered_seq","reliability","status","status_seq","tier","weight"]' \
    "source add: source"
expect 0 --json epoch open e1
eq "$(members .)" '["epoch","id","seq","status"]' "epoch open"
expect 0 --json epoch open e2
expect 0 --json gold set drug:a p --value 1
eq "$(members .)" '["id","predicate","seq","status","subject","value"]' "gold set"
expect 0 --json gold show drug:a p
eq "$(members .)" '["agent","id","predicate","recorded_at","seq","subject","value"]' "gold show"

expect 0 --json assert --key "$KEY" --subject drug:a --predicate p --value 1 --source src:a \
    --epoch e1
A=$(jq_out .id)
expect 0 --json assert --key "$KEY" --subject drug:b --predicate p --value 2 --source src:a \
    --derived-from "$A"
B=$(jq_out .id)
expect 0 --json vote "$A" +1 --key "$KEY"
eq "$(members .)" '["id","seq","stage","status","target","value","votes"]' "vote"
expect 0 --json supersede "$B" --key "$KEY" --value 3
eq "$(members .)" '["head","id","seq","status","supersedes"]' "supersede"
C=$(jq_out .id)
expect 0 --json reaffirm "$A" --epoch e2 --key "$KEY"
eq "$(members .)" '["epoch","id","seq","stage","status","target"]' "reaffirm"
expect 0 --json epoch supersede e1 --successor e2
eq "$(members .)" '["epoch","id","report","seq","status"]' "epoch supersede"
eq "$(members .report)" '["per_depth","total"]' "epoch supersede: report"
expect 0 --json impact src:a
eq "$(members .)" '["per_depth","source","total"]' "impact"
expect 0 --json source retract src:a
eq "$(members .)" '["id","report","seq","source","status"]' "source retract"
expect 0 --json source reinstate src:a
eq "$(members .)" '["id","report","seq","source","status"]' "source reinstate"
expect 0 --json source list
jq -e . "$T/out" >/dev/null || fail "source list --json"
expect 0 --json source show src:a
eq "$(members .)" \
    '["assertions","id","reason","registered","registered_seq","reliability","status","status_seq","tier","title","url","weight"]' \
    "source show"
expect 0 --json retract "$C" --key "$KEY"
eq "$(members .)" '["id","report","seq","stage","status","target"]' "retract"
expect 0 --json state "$A"
eq "$(members .)" \
    '["conditions","head","id","quarantine_reason","retracted_by","seq","stage","superseded_by","tainted_parents","via","votes"]' \
    "state"
expect 0 --json history "$A"
eq "$(members .)" '["changes","id","seq"]' "history"
eq "$(members '.changes[0]')" '["from","id","kind","seq","summary","to","type"]' "history: a change"
expect 0 --json provenance "$B"
eq "$(members .)" '["id","path","retracted_by","seq","source","stage"]' "provenance"
expect 0 --json trust show
jq -e . "$T/out" >/dev/null || fail "trust show --json"
expect 0 --json trust show "$PUB"
eq "$(members .)" \
    '["alpha","assertions","beta","events","evidence","key","name","profile_seq","quarantined","rejections","role","trust","votes"]' \
    "trust show KEY"
expect 0 --json agent set "$PUB" --name Me --key "$KEY"
eq "$(members .)" '["agent","id","name","role","seq","status"]' "agent set"
expect 0 --json agent show "$PUB"
jq_true '.name == "Me"'
expect 0 --json quarantine list
expect 0 --json rebuild
eq "$(members .)" '["after","before","match"]' "rebuild"

# Errors of the new commands are JSON objects with the field and the rule.
expect 1 --json vote "$(printf 'a%.0s' {1..64})" +1 --key "$KEY"
jq_true 'keys == ["error", "field", "message"] and .field == "target"'
expect 1 --json quarantine approve "$A"
jq_true '.error == "invalid" and .field == "target"'
expect 1 --json source add src:b --tier expert --key "$KEY"
jq_true '.error == "invalid" and .field == "agent"'
expect 1 --json --db "$T/other" source add src:b --tier expert
jq_true '.error == "not_found" and (.message | contains("admin key"))'
expect 2 --json epoch supersede e2
jq_true '.error == "usage"'

# Nothing anyone printed holds a key's secret (lib.sh checks every key file on exit, the
# admin key included); the admin key's file is the one init reported.
[[ -f "$ADMIN_KEY" ]] || fail "admin key missing"
