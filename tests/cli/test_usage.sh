#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage errors exit 2 with a one-line message naming the command and a pointer to its help;
# global options work before and after the command.
source "$(dirname "$0")/lib.sh"

expect 2
err_has "steme: no command given"
err_has "Try 'steme help'"
expect 2 frobnicate
err_has "unknown command 'frobnicate'"
expect 2 --bogus
err_has "unknown or ambiguous option --bogus"
expect 2 -x
err_has "unknown option -x"
expect 2 --db
err_has "option --db needs a value"
expect 2 --json=yes init
err_has "takes no value"

expect 2 init --bogus
err_has "steme: init: unknown or ambiguous option --bogus"
err_has "Try 'steme help init'"
expect 2 keygen --out
err_has "steme: keygen: option --out needs a value"
expect 2 log --limit
expect 2 log --limit ten
err_has "--limit: 'ten' is not a count"
expect 2 log --after -3
expect 2 get
err_has "missing the record's ID or SEQ"
expect 2 list --subject
expect 2 assert --subject
expect 2 stats --limit 3
expect 2 check now

# Global options after the command, and short forms.
expect 0 init --db "$T/after"
[[ -d "$T/after" ]] || fail "--db after the command was ignored"
expect 0 stats --db "$T/after" --json
jq_true '.records == 0'
expect 0 -q --db "$T/quiet" init
[[ ! -s "$T/out" ]] || fail "-q init printed something"

# Unambiguous prefixes of long options are accepted (GNU getopt).
expect 0 --db "$T/after" log --lim 1

# "--" ends the options.
expect 2 get -- --as-of
err_has "neither an id"

# No usage error wrote anything to a store.
[[ ! -e "$T/db" ]] || fail "a usage error created the default store"
