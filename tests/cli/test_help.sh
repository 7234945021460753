#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme help, --help and --version: every command documented, the same text everywhere.
source "$(dirname "$0")/lib.sh"

commands=(init keygen assert get log list stats check help)

expect 0 help
overview=$(out)
out_has "Usage: steme [--db DIR] [--json] [--quiet] COMMAND [ARGS...]"
out_has "STEME_DB"
out_has "STEME_KEY_FILE"
out_has "Exit status:"
for c in "${commands[@]}"; do
    grep -qE "^  $c +" "$T/out" || fail "help does not list $c"
done
expect 0 --help
eq "$(out)" "$overview" "--help"
expect 0 -h
eq "$(out)" "$overview" "-h"

for c in "${commands[@]}"; do
    expect 0 help "$c"
    text=$(out)
    out_has "Usage: steme"
    out_has "$c"
    err_empty
    if [[ $c != help ]]; then
        out_has "Exit status:"
        expect 0 "$c" --help
        eq "$(out)" "$text" "$c --help"
        expect 0 "$c" -h
        eq "$(out)" "$text" "$c -h"
    fi
done

# Help lines fit in 100 columns.
for c in "${commands[@]}"; do
    "$STEME_BIN" help "$c" | awk -v c="$c" 'length($0) > 100 { print "help " c ": line too long: " $0; bad = 1 } END { exit bad }' \
        || fail "help $c has a line over 100 columns"
done

# Every option of assert and list is documented.
expect 0 help assert
for o in --key --file --subject --predicate --value --type --unit --source --confidence \
    --valid-from --valid-until --supersedes --derived-from --epoch --qualifier --quote --url --at; do
    out_has "$o"
done
expect 0 help list
for o in --subject --predicate --source --agent --derived-from --supersedes --target --as-of \
    --after --limit; do
    out_has "$o"
done

expect 2 help nosuchcommand
err_has "no command named 'nosuchcommand'"
expect 2 help get log

expect 0 --version
grep -qE '^steme [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || fail "--version: $(out)"
