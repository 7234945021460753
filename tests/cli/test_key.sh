#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_key.sh -- steme key create|list|revoke|log: the HTTP API's keys are
# made, listed and revoked on the store; a token is printed once and appears nowhere else
# (not in the listing, the admin log or the store's file); every create and revoke is in the
# admin log with actor "cli"; a rebuild keeps keys and log.
source "$(dirname "$0")/lib.sh"

TOKEN_RE='^stk_[0-9a-f]{16}\.[0-9a-f]{64}$'

# No store yet.
expect 1 key list
err_has "no store in"
expect 1 key log

setup_store

# Help: listed in the overview, complete, the same everywhere, within 100 columns.
expect 0 help
grep -qE '^  key +' "$T/out" || fail "help does not list key"
out_has "denied"
expect 0 help key
out_has "Usage: steme key"
out_has "Exit status:"
for o in create list revoke log --role --from --limit reader writer admin BLAKE2b key.create \
    key.revoke cli bootstrap; do
    out_has "$o"
done
group=$(out)
expect 0 key --help
eq "$(out)" "$group" "key --help"
expect 0 key -h
eq "$(out)" "$group" "key -h"
expect 0 key create --help
eq "$(out)" "$group" "key create --help"
expect 0 help key revoke
eq "$(out)" "$group" "help key revoke"
expect 0 key log --help
eq "$(out)" "$group" "key log --help"
"$STEME_BIN" help key | awk 'length($0) > 100 { bad = 1 } END { exit bad }' \
    || fail "help key has a line over 100 columns"

# Usage errors.
expect 2 key
err_has "missing the subcommand (create, list, revoke, log)"
expect 2 key create ops
err_has "missing --role"
expect 2 key create ops --role boss
err_has "--role: 'boss' is not a role"
expect 2 key create --role admin
err_has "missing the key's NAME"
expect 2 key create a b --role admin
expect 2 key revoke
expect 2 key list extra
expect 2 key log --limit 0
expect 2 key log --from x
expect 2 key log extra
expect 2 key list --role admin

expect 0 key list
out_has "no keys"
expect 0 key log
out_has "no admin actions"

# create: the token once, with its id.
expect 0 key create ops --role admin
ADMIN_TOKEN=$(awk '$1 == "token" {print $2}' "$T/out")
ADMIN_ID=$(awk '$1 == "id" {print $2}' "$T/out")
[[ $ADMIN_TOKEN =~ $TOKEN_RE ]] || fail "token '$ADMIN_TOKEN' is not stk_<16 hex>.<64 hex>"
eq "${ADMIN_TOKEN:4:16}" "$ADMIN_ID" "the token's id"
kv name ops
kv role admin
err_has "shown only this once"

expect 0 --json key create ci-pipeline --role writer
jq_true '.name == "ci-pipeline" and .role == "writer" and (.token | test("^stk_[0-9a-f]{16}\\.[0-9a-f]{64}$"))'
jq_true '(.id | length) == 16 and (.created_at | test("Z$")) and (keys | length) == 5'
WRITER_ID=$(jq_out .id)
WRITER_TOKEN=$(jq_out .token)
eq "${WRITER_TOKEN:4:16}" "$WRITER_ID" "the token's id"

expect 0 -q key create reader-1 --role reader
eq "$(out_lines)" 1 "--quiet lines"
READER_TOKEN=$(out)
[[ $READER_TOKEN =~ $TOKEN_RE ]] || fail "--quiet printed '$READER_TOKEN'"
err_empty

# Refusals: a taken name, a bad name.
expect 1 key create ops --role reader
err_has "an active key is already named 'ops'"
expect 1 --json key create ops --role reader
jq_true '.error == "exists"'
expect 1 --json key create " ops" --role reader
jq_true '.error == "invalid" and .field == "name"'
expect 1 key create "$(printf 'a\tb')" --role reader
expect 1 key create "$(printf 'n%.0s' {1..65})" --role reader
expect 0 key create "$(printf 'n%.0s' {1..64})" --role reader

# list: by id, never a token.
expect 0 key list
out_has "ID"
out_has "$ADMIN_ID  ops"
out_has "ci-pipeline"
for t in "$ADMIN_TOKEN" "$WRITER_TOKEN" "$READER_TOKEN"; do out_lacks "${t:21}"; done
expect 0 --json key list
jq_true 'length == 4 and all(.[]; .active and .revoked_at == null) and ([.[].id] == ([.[].id] | sort))'
jq_true 'all(.[]; has("token") | not)'
jq_true '[.[] | select(.id == "'"$ADMIN_ID"'")][0] | .name == "ops" and .role == "admin"'

# revoke: final, idempotent, logged.
expect 0 key revoke "$WRITER_ID"
kv status revoked
kv name ci-pipeline
expect 0 key revoke "$WRITER_ID"
kv status "already revoked"
expect 0 --json key revoke "$WRITER_ID"
jq_true '.id == "'"$WRITER_ID"'" and .already_revoked == true and (.revoked_at | test("Z$"))'
expect 1 key revoke 0000000000000000
err_has "no key with id '0000000000000000'"
expect 1 --json key revoke nope
jq_true '.error == "not_found"'
expect 0 --json key list
jq_true '[.[] | select(.id == "'"$WRITER_ID"'")][0] | .active == false and .revoked_at != null'
# The name of a revoked key is free again.
expect 0 -q key create ci-pipeline --role writer

# The admin log: every create and revoke, actor cli, never a token.
expect 0 key log
eq "$(out_lines)" 8 "admin-log rows"
out_has "1  "
out_has "  cli  key.create  {\"id\":\"$ADMIN_ID\",\"name\":\"ops\",\"role\":\"admin\"}"
out_has "  cli  key.revoke  {\"id\":\"$WRITER_ID\",\"name\":\"ci-pipeline\",\"role\":\"writer\",\"already_revoked\":false}"
for t in "$ADMIN_TOKEN" "$WRITER_TOKEN" "$READER_TOKEN"; do out_lacks "${t:21}"; done
expect 0 --json key log
jq_true 'length == 8 and ([.[].n] == [range(1; 9)]) and all(.[]; .actor == "cli")'
jq_true '[.[].action] == ["key.create", "key.create", "key.create", "key.create", "key.revoke", "key.revoke", "key.revoke", "key.create"]'
jq_true '(.[0].detail | fromjson) == {"id": "'"$ADMIN_ID"'", "name": "ops", "role": "admin"}'
jq_true '[.[].at] == ([.[].at] | sort)'
expect 0 --json key log --from 5 --limit 2
jq_true '[.[].n] == [5, 6] and .[0].action == "key.revoke"'
expect 0 --json key log --from 9
jq_true 'length == 0'

# A rebuild keeps keys and log; the store's file holds no secret.
expect 0 --json key list
keys_before=$(out)
expect 0 rebuild
expect 0 --json key list
eq "$(out)" "$keys_before" "keys after rebuild"
expect 0 --json key log
jq_true 'length == 8'
for t in "$ADMIN_TOKEN" "$WRITER_TOKEN" "$READER_TOKEN"; do
    ! grep -qaF -- "${t:21}" "$T/db/data.mdb" || fail "a token's secret is in data.mdb"
done
