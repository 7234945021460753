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

# A second init is refused and leaves the store alone.
expect 1 init
err_has "steme: init: a store already exists in $T/db"

# --db beats $STEME_DB; --json reports the directory and format version.
expect 0 --json --db "$T/second" init
jq_true ".db == \"$T/second\" and (.format_version | type == \"number\")"
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
