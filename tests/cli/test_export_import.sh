#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# steme export and steme import: the round trip, idempotence, bad lines in both modes, a
# refusal only the store can make, resume after a kill, stdin, progress, and CSV claims.
source "$(dirname "$0")/lib.sh"
setup_store

# A store with every kind of record: admin events, assertions from the sample, a vote.
expect 0 --quiet epoch open acc-aha-2018
expect 0 --quiet source add fda:label:lipitor:2024 --tier regulatory
expect 0 --quiet assert --key "$KEY" --file "$SAMPLES/drug-safety-sample.jsonl"
target=$("$STEME_BIN" --json log --limit 0 | jq -r 'select(.record.kind == "assertion") | .id' |
    head -1)
expect 0 --quiet vote "$target" down --key "$KEY" --reason "placebo arm"
n=$(last_seq)

# --- export ------------------------------------------------------------------------------------
expect 0 export
err_empty
eq "$(out_lines)" "$n" "exported lines"
jq_true 'keys == ["id", "record", "recorded_at", "seq", "signature"]'
eq "$(jq_out .seq | tr '\n' ' ')" "$(seq -s ' ' 1 "$n") " "seqs in log order"
# Each line is what `steme --json get` prints, compact, without the stage.
eq "$(sed -n 3p "$T/out")" "$("$STEME_BIN" --json get 3 | jq -c 'del(.stage)')" "line 3"
cp "$T/out" "$T/stdout-export.jsonl"

expect 0 export -o "$T/all.jsonl"
out_has "exported $n records (seq 1..$n) to $T/all.jsonl"
cmp "$T/all.jsonl" "$T/stdout-export.jsonl" || fail "-o and stdout differ"
[[ -z $(find "$T" -maxdepth 1 -name 'all.jsonl.*') ]] || fail "a temporary file was left"
expect 0 --json export --output "$T/all.jsonl"
jq_true ".records == $n and .first_seq == 1 and .last_seq == $n and .file == \"$T/all.jsonl\""
expect 0 export --from 2 --to 5
eq "$(jq_out .seq | tr '\n' ' ')" "2 3 4 5 " "--from 2 --to 5"
expect 0 export --from 3 --to 999999
eq "$(out_lines)" "$((n - 2))" "--to past the end"
expect 0 export --from 999
eq "$(out_lines)" 0 "--from past the end"
expect 2 export --from 5 --to 4
err_has "before --from"
expect 2 export --from 0
expect 2 export extra-argument

# --- round trip into a fresh store with the same admin ------------------------------------------
copy="$T/copy"
expect 0 --db "$copy" init --admin-key "$ADMIN_KEY"
expect 0 --db "$copy" import "$T/all.jsonl"
err_empty
eq "$(out)" "$T/all.jsonl: $n lines: $n stored (seq 1..$n), 0 duplicates, 0 refused" "summary"
expect 0 --db "$copy" export -o "$T/again.jsonl"
# Same records, ids, signatures and log positions; only the store's own time differs.
strip() { sed -E 's/"recorded_at":"[^"]*",//' "$1"; }
cmp <(strip "$T/all.jsonl") <(strip "$T/again.jsonl") || fail "the second export differs"
for key in last_seq records assertions votes events; do
    eq "$("$STEME_BIN" --db "$copy" --json stats | jq ".$key")" \
        "$("$STEME_BIN" --json stats | jq ".$key")" "stats .$key"
done
eq "$("$STEME_BIN" --db "$copy" --json log --limit 0 | jq -c '[.id, .stage]' | md5sum)" \
    "$("$STEME_BIN" --json log --limit 0 | jq -c '[.id, .stage]' | md5sum)" "lifecycle stages"
expect 0 --db "$copy" check

# Importing the same file twice changes nothing.
expect 0 --db "$copy" --json import "$T/all.jsonl"
jq_true ".lines == $n and .stored == 0 and .duplicates == $n and .refused == 0"
jq_true '.errors == [] and .aborted == false and .first_seq == null'
eq "$("$STEME_BIN" --db "$copy" --json stats | jq .last_seq)" "$n" "log length after a re-import"
# From stdin (read twice through a temporary copy), and in skip mode: the same.
run_in "$T/all.jsonl" --db "$copy" import -
[[ $rc -eq 0 ]] || fail "stdin import: status $rc"
out_has "-: $n lines: 0 stored, $n duplicates, 0 refused"
expect 0 --db "$copy" import --on-error skip "$T/all.jsonl"
out_has "0 stored, $n duplicates"
# `steme --json log` output is importable too (it carries the stage, which is ignored).
"$STEME_BIN" --json log --limit 0 >"$T/log.jsonl"
expect 0 --db "$copy" import "$T/log.jsonl"
out_has "$n duplicates"
# {"record", "signature"} alone is enough.
jq -c '{record, signature}' "$T/all.jsonl" >"$T/bare.jsonl"
expect 0 --db "$copy" import "$T/bare.jsonl"
out_has "$n duplicates"

# --- bad lines ---------------------------------------------------------------------------------
# Line 3 is malformed JSON, line 5 an edited record, line 6 a bad signature, the last line is
# cut short.
bad="$T/bad.jsonl"
{
    sed -n 1,2p "$T/all.jsonl"
    echo '{"seq": 3, "record": {"kind": "assertion"'
    sed -n 3p "$T/all.jsonl"
    sed -n 4p "$T/all.jsonl" | sed -E 's/"confidence":[0-9.]+/"confidence":0.5/'
    sed -n 5p "$T/all.jsonl" | sed -E 's/"signature":"(.)/"signature":"\1\1/; s/"signature":"(.{128})./"signature":"\1/'
    sed -n 6,9p "$T/all.jsonl"
    sed -n 10p "$T/all.jsonl" | head -c 150
} >"$bad"
nbad=$(grep -c '' "$bad")
sed -n 5p "$T/all.jsonl" | jq -e --slurpfile b <(sed -n 6p "$bad") \
    '.signature != $b[0].signature and (.signature | length) == ($b[0].signature | length)' \
    >/dev/null || fail "the test's signature edit"
fresh="$T/fresh"
expect 0 --db "$fresh" init --admin-key "$ADMIN_KEY"
expect 1 --db "$fresh" import "$bad"
err_has "line 3: not valid JSON at column"
err_has "line 5: id: does not match the record"
err_has "line 6: signature: does not verify for the record's agent key"
err_has "line $nbad: truncated: the input ends inside this line"
out_has "$nbad lines: 0 stored, 0 duplicates, 4 refused; nothing was stored (--on-error abort)"
eq "$("$STEME_BIN" --db "$fresh" --json stats | jq .last_seq)" 0 "abort stored something"
expect 1 --db "$fresh" --json import "$bad"
jq_true '.aborted == true and .stored == 0 and .refused == 4'
jq_true "[.errors[].line] == [3, 5, 6, $nbad]"
jq_true '.errors[0].field == null and (.errors[0].column | type == "number")'
jq_true '.errors[1].field == "id" and .errors[2].field == "signature"'
jq_true '[.errors[] | keys - ["column"]] | all(. == ["field", "line", "message", "rule"])'
jq_true '.errors[3].rule | startswith("truncated")'

# Skip mode stores every good line: 1, 2, 4 and 7..10 of the file (records 1..3 and 6..9).
expect 1 --db "$fresh" --json import --on-error skip "$bad"
jq_true ".lines == $nbad and .stored == $((nbad - 4)) and .refused == 4 and .aborted == false"
jq_true "[.errors[].line] == [3, 5, 6, $nbad]"
"$STEME_BIN" --db "$fresh" --json log --limit 0 | jq -r .id >"$T/fresh-ids"
sed -n '1,3p;6,9p' "$T/all.jsonl" | jq -r .id | cmp - "$T/fresh-ids" || fail "skip stored other records"
# Then the good file completes it, the stored lines being duplicates.
expect 0 --db "$fresh" import "$T/all.jsonl"
out_has "$((n - nbad + 4)) stored"
out_has "$((nbad - 4)) duplicates"

# Other refusals: not an object, an unknown member, a missing signature, a bad seq.
printf '%s\n' '[1]' '{"record": {}, "signature": "00", "extra": 1}' \
    "$(sed -n 1p "$T/all.jsonl" | jq -c 'del(.signature)')" \
    "$(sed -n 1p "$T/all.jsonl" | jq -c '.seq = "x"')" >"$T/odd.jsonl"
expect 1 --db "$fresh" import --on-error skip "$T/odd.jsonl"
err_has "line 1: not a JSON object"
err_has "line 2: extra: unknown member"
err_has "line 3: signature: missing"
err_has "line 4: seq: not a positive integer"
expect 2 import "$T/all.jsonl" --on-error maybe
expect 2 import
expect 2 import "$T/all.jsonl" --key "$KEY"
err_has "--key is for --csv"
expect 1 import "$T/missing.jsonl"

# --- a refusal only the store can make: abort stops at its batch ---------------------------------
# 2500 claims, then a vote on a claim that is not in the file: the check pass cannot know, the
# store refuses the vote, and its batch (lines 2001..2500) is stored not at all.
python3 - "$T/gen.jsonl" <<'EOF'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(2500):
        f.write(json.dumps({"subject": "drug:gen%d" % (i % 50), "predicate": "p.x%d" % (i % 7),
                            "object": i * 0.25, "source": "src:gen%d" % (i % 13),
                            "asserted_at": 1700000000000 + i}) + "\n")
EOF
gen="$T/gendb"
expect 0 --db "$gen" init --admin-key "$ADMIN_KEY"
expect 0 --db "$gen" --quiet assert --key "$KEY" --file "$T/gen.jsonl"
expect 0 --db "$gen" --quiet vote 1 up --key "$KEY"
expect 0 --db "$gen" export --from 2 -o "$T/orphan.jsonl"
expect 0 --db "$gen" export -o "$T/gen-export.jsonl"
part="$T/part"
expect 0 --db "$part" init --admin-key "$ADMIN_KEY"
expect 1 --db "$part" import "$T/orphan.jsonl"
err_has "line 2500: record.target"
err_has "lines 2001..2500, which were not stored"
out_has "2000 stored (seq 1..2000)"
out_has "stopped at the refused batch"
eq "$("$STEME_BIN" --db "$part" --json stats | jq .last_seq)" 2000 "records after the abort"
expect 1 --db "$part" import --on-error skip "$T/orphan.jsonl"
out_has "499 stored"
out_has "2000 duplicates, 1 refused"

# --- resume ------------------------------------------------------------------------------------
# The import dies (SIGKILL) after its second batch is durable but before the resume state says
# so: the worst moment. --resume continues after the first batch; the second is duplicates.
big="$T/gen-export.jsonl"
nbig=$(grep -c '' "$big")
state="$big.steme-import-state"
r1="$T/resume1"
expect 0 --db "$r1" init --admin-key "$ADMIN_KEY"
set +e
{ STEME_IMPORT_TEST_KILL_AFTER_BATCHES=2 "$STEME_BIN" --db "$r1" import "$big" >"$T/out"; } 2>"$T/err"
rc=$?
set -e
[[ $rc -eq 137 ]] || fail "the test hook did not kill the import (status $rc)"
[[ -f "$state" ]] || fail "no resume state after the kill"
grep -q '^lines 1000$' "$state" || fail "the state is not at the first batch"
eq "$("$STEME_BIN" --db "$r1" --json stats | jq .last_seq)" 2000 "stored before the kill"
expect 0 --db "$r1" --json import --resume "$big"
jq_true ".resumed_at_line == 1001 and .lines == $((nbig - 1000))"
jq_true ".duplicates == 1000 and .stored == $((nbig - 2000)) and .refused == 0"
[[ ! -f "$state" ]] || fail "the resume state was not removed at the end"
expect 0 --db "$r1" export -o "$T/r1.jsonl"
cmp <(strip "$big") <(strip "$T/r1.jsonl") || fail "resumed import differs from the source"

# A real kill -9 at a random moment: every record ends up present once.
r2="$T/resume2"
expect 0 --db "$r2" init --admin-key "$ADMIN_KEY"
"$STEME_BIN" --db "$r2" import --on-error skip "$big" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do
    [[ -f "$state" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
expect 0 --db "$r2" import --resume "$big"
expect 0 --db "$r2" export -o "$T/r2.jsonl"
cmp <(strip "$big") <(strip "$T/r2.jsonl") || fail "import after kill -9 differs from the source"
[[ ! -f "$state" ]] || fail "the resume state was left"

# A state made for another store is not trusted: the import starts over (all duplicates).
expect 0 --db "$r1" --quiet import "$T/orphan.jsonl" --on-error skip
{ STEME_IMPORT_TEST_KILL_AFTER_BATCHES=2 "$STEME_BIN" --db "$part" import "$big" >/dev/null; } \
    2>/dev/null || true
[[ -f "$state" ]] || fail "no state from the killed import"
expect 0 --db "$r1" --json import --resume "$big"
err_has "not resuming from $state (it was made for another store)"
jq_true ".resumed_at_line == null and .duplicates == $nbig"
expect 2 import --resume -
err_has "stdin cannot be read again"

# --- progress ----------------------------------------------------------------------------------
# Never in a pipe (stderr of every import above was checked empty or for errors only); on a
# terminal, one line redrawn in place with the count, rate, percentage and time left.
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
    tty="$T/tty"
    expect 0 --db "$tty" init --admin-key "$ADMIN_KEY"
    script -qec "'$STEME_BIN' --db '$tty' import '$big'" /dev/null >"$T/tty.out" 2>&1 </dev/null ||
        fail "import on a terminal failed: $(cat "$T/tty.out")"
    grep -q "records, [0-9]*/s, [0-9]*%, ETA [0-9]*:[0-9][0-9]" "$T/tty.out" ||
        echo "note: no progress line seen (the import was faster than its first redraw)" >&2
    grep -q "$nbig stored" "$T/tty.out" || fail "no summary on a terminal"
fi

# --- CSV ---------------------------------------------------------------------------------------
csv="$T/claims.csv"
printf 'drug,measure,rate,Unit,label,qualifier.population,note,conf\r\n' >"$csv"
printf 'drug:a,ae.myalgia,0.2,%%,"fda:label:a, 2024","adults, over 65","said ""rare""\r\nsecond line",0.9\r\n' >>"$csv"
printf 'drug:b,ae.myalgia,12,%%,forum:x,,plain,\r\n' >>"$csv"
printf 'drug:c,ae.count,7,,forum:y,,,\r\n' >>"$csv"
printf 'drug:d,ae.flag,true,,forum:y,children,,\r\n' >>"$csv"
map="subject=drug,predicate=measure,value=rate,source=label,quote=note,confidence=8"
expect 0 --json import --csv "$csv" --key "$KEY" --map "$map" --at 2024-01-01T00:00:00Z
jq_true '.lines == 4 and .stored == 4 and .refused == 0 and .errors == []'
first=$(jq_out .first_seq)
expect 0 --json get "$first"
jq_true '.record.subject == "drug:a" and .record.source == "fda:label:a, 2024"'
jq_true '.record.object == {"type": "number", "value": 0.2, "unit": "%"} and .record.confidence == 0.9'
jq_true '.record.evidence.quote == "said \"rare\"\nsecond line"'
jq_true '.record.qualifiers.population.value == "adults, over 65"'
jq_true ".record.agent == \"$PUB\" and .record.asserted_at == \"2024-01-01T00:00:00.000Z\""
expect 0 --json get "$((first + 1))"
jq_true '.record.object == {"type": "number", "value": 12.0, "unit": "%"} and .record.confidence == 1'
expect 0 --json get "$((first + 2))"
jq_true '.record.object == {"type": "integer", "value": 7} and (.record | has("qualifiers") | not)'
expect 0 --json get "$((first + 3))"
jq_true '.record.object.type == "boolean" and .record.qualifiers.population.value == "children"'
# The same CSV with the same time is all duplicates; columns may be named by number too.
expect 0 --json import --csv "$csv" --key "$KEY" --at 2024-01-01T00:00:00Z \
    --map subject=1,predicate=2,value=3,source=5 --map quote=note,confidence=conf
jq_true '.stored == 0 and .duplicates == 4'

# Default mapping: header names that are field names; a type column; bad rows.
printf 'subject,predicate,value,type,source,confidence,valid_from\n' >"$T/typed.csv"
printf 'drug:e,code,007,string,src:z,,\n' >>"$T/typed.csv"
printf 'drug:e,dose,abc,number,src:z,,\n' >>"$T/typed.csv"
printf 'drug:e,dose,5,,src:z,high,\n' >>"$T/typed.csv"
printf 'drug:e,dose,5,,src:z,,yesterday\n' >>"$T/typed.csv"
printf 'drug:e,dose,5,color,src:z,,\n' >>"$T/typed.csv"
printf 'drug:e,"quo"ted,5,,src:z,,\n' >>"$T/typed.csv"
printf 'drug:e,short\n' >>"$T/typed.csv"
printf ',dose,5,,src:z,,\n' >>"$T/typed.csv"
printf 'drug:e,open,"never closed,5,,src:z,,\n' >>"$T/typed.csv"
expect 1 --json import --csv "$T/typed.csv" --key "$KEY" --on-error skip
jq_true '.lines == 9 and .stored == 1 and .refused == 8'
jq_true '[.errors[].line] == [3, 4, 5, 6, 7, 8, 9, 10]'
jq_true '.errors[0] | .field == "value" and .column == 3 and .header == "value" and (.rule | startswith("not a number"))'
jq_true '.errors[1] | .field == "confidence" and .header == "confidence" and .rule == "not a number from 0 to 1"'
jq_true '.errors[2] | .field == "valid_from" and .column == 7'
jq_true '.errors[3] | .field == "type" and .column == 4'
jq_true '.errors[4] | .column == 2 and (.rule | startswith("text after the closing quote"))'
jq_true '.errors[5].rule == "has 2 fields; the header has 7"'
jq_true '.errors[6] | .field == "subject" and .rule == "empty"'
jq_true '.errors[7].rule | startswith("unterminated quoted field")'
err_has "line 3: column 3 (value): value: not a number"
expect 0 --json list --subject drug:e
jq_true '.record.object == {"type": "string", "value": "007"}'
# Abort mode stores nothing of a CSV with a bad row.
before=$(last_seq)
expect 1 import --csv "$T/typed.csv" --key "$KEY"
out_has "nothing was stored"
eq "$(last_seq)" "$before" "abort stored CSV rows"

# Mapping errors are usage errors naming the column or field.
expect 2 import --csv "$csv" --key "$KEY" --map subject=drug,predicate=measure,value=ratio,source=label
err_has "--map value=ratio: the header has no column 'ratio' (columns: drug, measure, rate, Unit"
expect 2 import --csv "$csv" --key "$KEY" --map subject=drug,predicate=measure,value=rate,source=9
err_has "no column 9 (the header has 8)"
expect 2 import --csv "$csv" --key "$KEY" --map subject=drug,predicate=measure,value=rate
err_has "no column for 'source'"
expect 2 import --csv "$csv" --key "$KEY" --map subjekt=drug
err_has "unknown field 'subjekt'"
expect 2 --json import --csv "$csv" --key "$KEY" --map subject
jq_true '.error == "usage"'
printf '' >"$T/empty.csv"
expect 1 import --csv "$T/empty.csv" --key "$KEY"
err_has "starts with a header row"

# A CSV export -> import round trip keeps the signed claims: export them and import elsewhere.
expect 0 export --from "$first" --to "$((first + 3))" -o "$T/csv-claims.jsonl"
expect 0 --db "$fresh" import "$T/csv-claims.jsonl"
out_has "4 lines: 4 stored"

# -o onto something that is not a plain file writes into it rather than replacing it.
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo" &
reader=$!
expect 0 export -o "$T/fifo"
wait "$reader"
[[ -p "$T/fifo" ]] || fail "export -o replaced the FIFO"
eq "$(grep -c '' "$T/from-fifo")" "$(last_seq)" "records through the FIFO"

# Both commands are listed and documented in full, within 100 columns.
expect 0 help
out_has "  export "
out_has "  import "
for c in export import; do
    expect 0 help "$c"
    text=$(out)
    out_has "Exit status:"
    out_has "Usage: steme $c"
    awk 'length($0) > 100 { bad = 1 } END { exit bad }' "$T/out" || fail "help $c: a long line"
    expect 0 "$c" --help
    eq "$(out)" "$text" "$c --help"
done
expect 0 help import
for o in --on-error abort skip --resume --csv --key --map --at steme-import-state qualifier.KEY; do
    out_has "$o"
done
expect 0 help export
for o in --from --to -o --output; do out_has "$o"; done
