#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme help, --help and --version: every command documented, the same text everywhere.
source "$(dirname "$0")/lib.sh"

commands=(init keygen assert get log list stats check help rebuild supersede vote retract reaffirm
    state history provenance source impact epoch gold trust agent quarantine)

expect 0 help
overview=$(out)
out_has "Usage: steme [--db DIR | --url URL] [--json] [--quiet] COMMAND [ARGS...]"
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

# Every option of the knowledge-rule commands is documented.
expect 0 help source
for o in add list show retract reinstate --tier --title --url --weight --reason --key \
    STEME_ADMIN_KEY_FILE regulatory peer_reviewed preprint expert anecdotal unverified; do
    out_has "$o"
done
expect 0 help init
out_has "--admin-key"
out_has "0600"
for c in vote retract reaffirm supersede; do
    expect 0 help "$c"
    out_has "--key"
    out_has "ID|SEQ"
done
expect 0 help vote
out_has "+1|-1|up|down"
out_has "--reason"
expect 0 help reaffirm
out_has "--epoch"
expect 0 help epoch
for o in open supersede --description --successor --reason --key; do out_has "$o"; done
expect 0 help gold
for o in set show --value --type --unit --key; do out_has "$o"; done
expect 0 help trust
out_has "--as-of"
expect 0 help agent
for o in set show --name --role none editor admin --key; do out_has "$o"; done
expect 0 help quarantine
for o in list approve reject --reason --key; do out_has "$o"; done

# Subcommands: 'help CMD SUB' and 'CMD SUB --help' print the command's help.
expect 0 help source
group=$(out)
expect 0 help source retract
eq "$(out)" "$group" "help source retract"
expect 0 source retract --help
eq "$(out)" "$group" "source retract --help"
expect 0 source --help
eq "$(out)" "$group" "source --help"
expect 2 help source nosuch
err_has "'source' has no subcommand 'nosuch'"
expect 2 source
err_has "missing the subcommand (add, list, show, retract, reinstate)"
expect 2 source frobnicate
err_has "unknown subcommand 'frobnicate'"
expect 2 source --json list
err_has "the subcommand (add, list, show, retract, reinstate) comes first"
expect 2 source add --bogus
err_has "steme: source add: unknown or ambiguous option --bogus"
err_has "Try 'steme help source add'"
expect 0 help source add

expect 2 help nosuchcommand
err_has "no command named 'nosuchcommand'"
expect 2 help get log
expect 2 help source add list

expect 0 --version
grep -qE '^steme [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || fail "--version: $(out)"
