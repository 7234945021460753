#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme init: creates a store once, refuses a second time, and no other command creates one.
source "$(dirname "$0")/lib.sh"

# No store yet: reads fail with a hint, and do not create the directory.
expect 1 stats
err_has "no store in $T/db"
err_has "steme init"
[[ ! -e "$T/db" ]] || fail "stats created the store directory"
expect 1 --db "$T/elsewhere" log
[[ ! -e "$T/elsewhere" ]] || fail "log created a directory"

expect 0 init
out_has "created an empty store in $T/db"
[[ -d "$T/db" ]] || fail "no store directory"

# The genesis admin key: DIR/admin.key, mode 0600, its public key printed (the secret never:
# lib.sh checks every key file's seed against the transcript on exit).
[[ -f "$T/db/admin.key" ]] || fail "no admin key in the store directory"
[[ $(stat -c %a "$T/db/admin.key") == 600 ]] || fail "admin key mode is not 0600"
admin=$(pub_of "$T/db/admin.key")
out_has "admin key  $admin"
out_has "saved to   $T/db/admin.key"
# It is the store's admin: it may register a source (an admin-only event).
expect 0 source add src:init --tier expert

# A second init is refused and leaves the store alone.
expect 1 init
err_has "steme: init: a store already exists in $T/db"

# A second init leaves the admin key alone too.
eq "$(pub_of "$T/db/admin.key")" "$admin" "admin key after a refused init"

# --db beats $STEME_DB; --json reports the directory, format version and admin key.
expect 0 --json --db "$T/second" init
jq_true ".db == \"$T/second\" and (.format_version | type == \"number\")"
jq_true ".admin.file == \"$T/second/admin.key\" and .admin.created == true"
jq_true ".admin.public_key == \"$(pub_of "$T/second/admin.key")\""
expect 1 --json init --db "$T/second"
jq_true '.error == "exists" and (.message | contains("already exists")) and .field == null'

# --quiet says nothing on success.
expect 0 --quiet --db "$T/third" init
[[ ! -s "$T/out" ]] || fail "init --quiet printed something"

# The new stores are empty and sound.
expect 0 --db "$T/second" --json stats
jq_true '.records == 0 and .last_seq == 0'
expect 0 --db "$T/second" check

# init takes no arguments.
expect 2 init extra
err_has "unexpected argument 'extra'"
expect 2 init --admin-key ""

# --admin-key: the key is saved there; an existing key file is used as it is, never
# overwritten, and becomes the admin of the new store.
expect 0 --json --db "$T/fourth" init --admin-key "$T/shared-admin.key"
jq_true ".admin.file == \"$T/shared-admin.key\" and .admin.created == true"
shared=$(pub_of "$T/shared-admin.key")
[[ ! -e "$T/fourth/admin.key" ]] || fail "--admin-key also wrote DIR/admin.key"
cp -p "$T/shared-admin.key" "$T/shared-admin.copy"
expect 0 --db "$T/fifth" init --admin-key "$T/shared-admin.key"
out_has "admin key  $shared"
out_has "read from  $T/shared-admin.key"
cmp -s "$T/shared-admin.key" "$T/shared-admin.copy" || fail "init rewrote an existing key file"
expect 0 --db "$T/fifth" source add src:shared --tier preprint --key "$T/shared-admin.key"
# Admin commands find it through $STEME_ADMIN_KEY_FILE, as init does.
STEME_ADMIN_KEY_FILE="$T/shared-admin.key" expect 0 --db "$T/fourth" source add src:env --tier expert
STEME_ADMIN_KEY_FILE="$T/env-admin.key" expect 0 --json --db "$T/sixth" init
jq_true ".admin.file == \"$T/env-admin.key\""
# The default admin key of another store is not this store's admin.
expect 1 --db "$T/fourth" source add src:other --tier expert --key "$T/db/admin.key"
err_has "agent: this event type needs an admin's signature"

# An unusable admin key file (readable by others) stops init before any store is made.
"$STEME_BIN" keygen --out "$T/loose.key" >/dev/null
chmod 644 "$T/loose.key"
expect 1 --db "$T/seventh" init --admin-key "$T/loose.key"
err_has "group or others"
[[ ! -e "$T/seventh/data.mdb" ]] || fail "init made a store with an unusable admin key"
