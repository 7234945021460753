#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A store written by an earlier build -- here, one without the lens rows (d_lens_row) that
# this build keeps -- opened by a read command: steme says so on stderr, rebuilds the derived
# tables from the log once, and answers; the next command says nothing; the check passes.
source "$(dirname "$0")/lib.sh"
setup_store
assert_ok --subject drug:a --predicate p --value 1 --source fda:label:a
assert_ok --subject drug:a --predicate p --value 2 --source forum:b
expect 0 --json query drug:a p --lens consensus
BEFORE=$(jq -c '[.answers[0].alternatives[] | [.value, .agents, .sources]]' "$T/out")

# Every table but d_lens_row, copied into a new environment with lmdb-utils.
OLD="$T/old"
mkdir -p "$OLD"
tables=$(mdb_dump -l "$STEME_DB")
grep -qx d_lens_row <<<"$tables" || fail "the store has no d_lens_row to leave out"
for t in $tables; do
    [[ $t == d_lens_row ]] && continue
    mdb_dump -s "$t" "$STEME_DB" | mdb_load -s "$t" "$OLD" 2>>"$T/mdb_load.err" || fail "copying table $t"
done
! mdb_dump -l "$OLD" | grep -qx d_lens_row || fail "the old store still has d_lens_row"

expect 0 --db "$OLD" --json stats
err_has "was written by an earlier build; rebuilding its derived tables from the log once"
jq_true '.records == 2'
mdb_dump -l "$OLD" | grep -qx d_lens_row || fail "stats did not rebuild d_lens_row"
expect 0 --db "$OLD" --json query drug:a p --lens consensus
err_empty
AFTER=$(jq -c '[.answers[0].alternatives[] | [.value, .agents, .sources]]' "$T/out")
eq "$AFTER" "$BEFORE" "the answer after the upgrade"
expect 0 --db "$OLD" check
out_has "0 problems"
