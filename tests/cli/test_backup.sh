#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme backup / backup verify / restore: a backup of a store with rules state, verified and
# shipped with --to; restored whole and with --until (records 1..N, derived state as at N);
# damaged backups refused by verify and restore naming the file; table and JSON forms; usage
# errors; no progress in pipes.
source "$(dirname "$0")/lib.sh"
setup_store

# flip FILE OFFSET: xor one byte of FILE with 0x01.
flip() {
    local v
    v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "\\$(printf %03o $((v ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

expect 0 --quiet source add src:a --tier peer_reviewed
assert_ok --subject drug:a --predicate p --value 1 --source src:a
A=$ID
assert_ok --subject drug:b --predicate p --value 2 --source src:a --derived-from "$A"
N=$(last_seq) # the position before the retraction
expect 0 --quiet source retract src:a
assert_ok --subject drug:c --predicate p --value 3 --source src:b
LAST=$(last_seq)
expect 0 --json get "$A"
jq_true '.stage == "retracted"'

# A backup: the table, the two files, nothing else left behind, no progress in a pipe.
expect 0 backup "$T/bk"
kv backup "$T/bk"
kv position "$LAST"
out_has "records      $LAST ("
err_empty
[[ -f "$T/bk/MANIFEST.json" && -f "$T/bk/data.mdb" ]] || fail "the backup's files"
[[ $(ls -A "$T/bk" | wc -l) -eq 2 ]] || fail "the backup holds other files: $(ls -A "$T/bk")"
! ls "$T" | grep -q partial || fail "a staging directory was left behind"
jq -e ".last_seq == $LAST and .records == $LAST and .format == \"stemedb-backup\"" \
    "$T/bk/MANIFEST.json" >/dev/null || fail "the manifest"

# --json, and shipping with --to: an exact copy, verified where it landed.
mkdir "$T/offsite"
expect 0 --json backup "$T/bk2" --to "$T/offsite"
jq_true ".backup == \"$T/bk2\" and .manifest.last_seq == $LAST and .manifest.records == $LAST"
jq_true '(.manifest.data_blake2b_256 | length) == 64 and .manifest.libsteme_version != null'
jq_true ".shipped.path == \"$T/offsite/bk2\" and .shipped.verified == true"
cmp -s "$T/bk2/data.mdb" "$T/offsite/bk2/data.mdb" || fail "shipped data.mdb differs"
cmp -s "$T/bk2/MANIFEST.json" "$T/offsite/bk2/MANIFEST.json" || fail "shipped manifest differs"
expect 0 backup "$T/bk3" --to "$T/offsite"
out_has "shipped"
out_has "verified"
expect 1 backup "$T/bk4" --to "$T/no-such-dir"
err_has "only the copy failed"
[[ -f "$T/bk4/MANIFEST.json" ]] || fail "the local backup is kept when shipping fails"

# Verify.
expect 0 backup verify "$T/bk"
out_has "ok: backup $T/bk at position $LAST"
expect 0 --json backup verify "$T/offsite/bk2"
jq_true ".ok == true and .problems == 0 and .details == [] and .records == $LAST"
jq_true ".signatures == $LAST and .index_entries > 0 and .files_checked == 1"
jq_true ".manifest.last_seq == $LAST and .bytes_hashed == .manifest.data_size"
[[ ! -e "$T/bk/lock.mdb" ]] || fail "verify wrote a lock file into the backup"

# Restore, whole: the same log, stages and all; check and rebuild agree.
expect 0 restore "$T/bk" "$T/r1"
kv store "$T/r1"
kv position "$LAST"
expect 0 --db "$T/r1" check
expect 0 --db "$T/r1" rebuild
kv match yes
"$STEME_BIN" --json log --limit 0 >"$T/log.orig"
"$STEME_BIN" --db "$T/r1" --json log --limit 0 >"$T/log.r1"
cmp -s "$T/log.orig" "$T/log.r1" || fail "the restored log differs"

# Restore --until N: records 1..N, the derived state as it was at N (A not yet retracted).
expect 0 --json restore "$T/bk" "$T/r2" --until "$N"
jq_true ".position == $N and .until == $N and .records == $N and .store == \"$T/r2\""
expect 0 --db "$T/r2" check
expect 0 --db "$T/r2" --json stats
jq_true ".last_seq == $N"
jq -c '[.seq, .id, .recorded_at]' "$T/log.orig" | head -n "$N" >"$T/ids.orig"
"$STEME_BIN" --db "$T/r2" --json log --limit 0 | jq -c '[.seq, .id, .recorded_at]' >"$T/ids.r2"
cmp -s "$T/ids.orig" "$T/ids.r2" || fail "restore --until: not records 1..$N"
expect 0 --db "$T/r2" --json get "$A"
jq_true '.stage == "active"'
expect 0 restore "$T/bk" "$T/r2b" --until "$N"
kv position "$N of $LAST (--until)"

# Refusals: past the end, an existing directory, usage.
expect 1 restore "$T/bk" "$T/r3" --until $((LAST + 1))
err_has "position $((LAST + 1)) is past the end of the backup in $T/bk (its last position is $LAST)"
[[ ! -e "$T/r3" ]] || fail "a refused restore made its directory"
expect 1 restore "$T/bk" "$T/r1"
err_has "$T/r1 exists and is not an empty directory"
expect 1 --json restore "$T/bk" "$T/r1"
jq_true '.error == "exists"'
expect 1 backup "$T/bk"
err_has "$T/bk exists and is not an empty directory"
expect 1 backup "$T/no/such/dir"
err_has "its parent directory does not exist"
expect 1 backup verify "$T/nothere"
err_has "no such directory"
expect 1 restore "$T/nothere" "$T/r9"
err_has "no such directory"
expect 1 --db "$T/none" backup "$T/bk9"
err_has "no store"
expect 2 backup
expect 2 backup "$T/a" "$T/b"
expect 2 backup verify
expect 2 backup verify "$T/a" "$T/b"
expect 2 restore "$T/bk"
expect 2 restore "$T/bk" "$T/x" "$T/y"
expect 2 restore "$T/bk" "$T/x" --until 0
err_has "--until: '0' is not a log position"
expect 2 restore "$T/bk" "$T/x" --until abc
expect 0 help backup
out_has "steme backup verify DIR"
expect 0 help restore
out_has "--until POSITION"

# A flipped byte in the data file: verify and restore refuse, naming data.mdb.
cp -r "$T/bk" "$T/dmg"
flip "$T/dmg/data.mdb" 9000
expect 1 backup verify "$T/dmg"
out_has "problem  data.mdb  BLAKE2b-256 does not match the manifest"
out_has "FAILED: backup $T/dmg"
expect 1 --json backup verify "$T/dmg"
jq_true '.ok == false and .problems == 1 and .details[0].file == "data.mdb"'
expect 1 restore "$T/dmg" "$T/r4"
err_has "refusing the backup in $T/dmg: data.mdb: BLAKE2b-256 does not match the manifest"
[[ ! -e "$T/r4" ]] || fail "a refused restore made its directory"
expect 1 --json restore "$T/dmg" "$T/r4"
jq_true '.error == "corrupt" and .problems[0].file == "data.mdb"'

# A flipped byte in the manifest: named, whichever byte it is.
for off in 3 60 200 400; do
    rm -rf "$T/dmg2"
    cp -r "$T/bk" "$T/dmg2"
    flip "$T/dmg2/MANIFEST.json" "$off"
    expect 1 backup verify "$T/dmg2"
    out_has "problem  MANIFEST.json"
    expect 1 restore "$T/dmg2" "$T/r5" --until 1
    err_has "refusing the backup in $T/dmg2: MANIFEST.json: "
    [[ ! -e "$T/r5" ]] || fail "a refused restore made its directory"
done

# A file the manifest does not list.
cp -r "$T/bk" "$T/dmg3"
echo x >"$T/dmg3/notes.txt"
expect 1 backup verify "$T/dmg3"
out_has "problem  notes.txt  not listed in the manifest"

# Progress goes to a terminal only: with a pseudo-terminal (script(1)), it shows.
if command -v script >/dev/null; then
    script -qec "$STEME_BIN backup $T/bk-tty" /dev/null >"$T/tty.out" 2>&1 || fail "backup on a tty"
    grep -q "copying the store" "$T/tty.out" || fail "no progress on a terminal"
fi
