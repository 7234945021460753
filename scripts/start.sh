#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# start.sh -- the README's first command: install what is missing, build StemeDB, create an
# embedded store (./steme-data, or $STEME_DB), load the drug-safety sample claims signed with a
# local demo key, and show what is there. Safe to run again: the sample is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/build.sh build-release --buildtype=release

steme=build-release/src/cli/steme
export STEME_DB=${STEME_DB:-$PWD/steme-data}
key=${STEME_KEY_FILE:-$PWD/steme-keys/demo.key}

if [[ ! -d "$STEME_DB" ]]; then
    "$steme" init
    # The sample has a claim of the 2018 guideline's epoch; an epoch exists once the admin key
    # (made by init) has opened it.
    "$steme" epoch open acc-aha-2018 --description "2018 ACC/AHA cholesterol guideline" >/dev/null
fi
if [[ ! -f "$key" ]]; then
    mkdir -p "$(dirname "$key")"
    chmod 700 "$(dirname "$key")"
    "$steme" keygen --out "$key" >/dev/null
fi

echo "== loading samples/drug-safety-sample.jsonl (signed with $key)"
"$steme" assert --quiet --key "$key" --file samples/drug-safety-sample.jsonl
echo
echo "== the store"
"$steme" stats
echo
echo "== what is claimed about drug:atorvastatin"
"$steme" list --subject drug:atorvastatin --limit 10
echo
echo "== every signature and index entry, checked against the log"
"$steme" check
cat <<MSG

Store: $STEME_DB   (steme --db $STEME_DB ...)
Try:   $steme log --limit 5
       $steme list --subject drug:atorvastatin --predicate adverse_event.myalgia.incidence
       $steme get <id from the list above>
       $steme --json stats
MSG
