#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# test_remote.sh -- `steme` remote mode against the real server (docs/remote.md).
#
# One store, two faces: stemedb serves it over loopback while `steme --db` opens the same
# directory (LMDB is multi-process). A session of writes is made alternately through the
# server (--url) and directly (--db), and then every read command is run both ways: --json
# output must be byte-identical, and so must the tables, which are printed from the same
# documents. Then errors: an unknown id, no API key (401, without any token), a reader key
# writing (403), an unreachable server, commands that have no remote mode, and TLS with a CA
# given in STEME_CA_CERT.
source "$(dirname "$0")/../cli/lib.sh"

: "${STEMEDB_BIN:?set STEMEDB_BIN to the stemedb executable}"

SERVER_PID=
stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap 'st=$?; stop_server; (exit $st); finish' EXIT

# start_server DIR [NAME=VALUE...]: stemedb on DIR, a free loopback port; sets U and
# SERVER_PID. The bootstrap admin API key is written to DIR.token.
start_server() {
    local dir=$1
    shift
    rm -f "$dir.port"
    env STEMEDB_DATA_DIR="$dir" STEMEDB_BIND_ADDR=127.0.0.1:0 STEMEDB_PORT_FILE="$dir.port" \
        STEMEDB_ADMIN_KEY_FILE="$dir.token" STEMEDB_THREADS=2 STEMEDB_LOG_LEVEL=warn "$@" \
        "$STEMEDB_BIN" >"$dir.out" 2>"$dir.log" &
    SERVER_PID=$!
    for _ in $(seq 1 200); do
        [[ -s "$dir.port" ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir.log" >&2; fail "stemedb did not start"; }
        sleep 0.05
    done
    [[ -s "$dir.port" ]] || fail "stemedb did not write its port"
    PORT=$(cat "$dir.port")
}

DB="$T/db"
unset STEME_DB # each command names its store (--db) or its server (--url)
export STEME_ADMIN_KEY_FILE="$DB/admin.key"

expect 0 --db "$DB" init --quiet
expect 0 keygen --out "$T/a.key" --quiet
A=$(out)
expect 0 keygen --out "$T/b.key" --quiet
B=$(out)
start_server "$DB"
U="http://127.0.0.1:$PORT"
ADMIN_TOKEN=$(cat "$DB.token")
export STEME_API_KEY="$ADMIN_TOKEN"

# API keys made on the store directly are honoured by the running server.
expect 0 --db "$DB" key create reader --role reader --quiet
READER=$(out)
expect 0 --db "$DB" key create writer --role writer --quiet
WRITER=$(out)

E() { expect "$1" --db "$DB" "${@:2}"; } # embedded
R() { expect "$1" --url "$U" "${@:2}"; } # remote

# same STATUS ARGS...: run ARGS embedded and remote; exit status, stdout and stderr must match.
same() {
    local want=$1
    shift
    expect "$want" --db "$DB" "$@"
    cp "$T/out" "$T/emb.out"
    cp "$T/err" "$T/emb.err"
    expect "$want" --url "$U" "$@"
    cmp -s "$T/emb.out" "$T/out" ||
        { diff "$T/emb.out" "$T/out" >&2 || true; fail "steme $*: stdout differs between --db and --url"; }
    cmp -s "$T/emb.err" "$T/err" ||
        { diff "$T/emb.err" "$T/err" >&2 || true; fail "steme $*: stderr differs between --db and --url"; }
}

# The members of the last JSON answer, in order (a write's answer in the other mode must have
# the same).
keys_of() { jq -c 'keys_unsorted' "$T/out"; }

# ---- writes, alternately through the server and on the store ----------------------------------

R 0 source add fda:label:x --tier regulatory --title 'X label' --url https://example.org/x
E 0 source add preprint:y --tier preprint
R 0 --json source add trial:z --tier peer_reviewed
k_remote=$(keys_of)
E 0 --json source add trial:w --tier peer_reviewed
[[ "$(keys_of)" == "$k_remote" ]] || fail "source add: remote answer has members $k_remote"

# The same claim (fixed time) through both: the second is a duplicate of the first, same seq.
claim=(--subject drug:x --predicate dose --value 0.2 --unit % --source fda:label:x
    --at 2024-05-01T12:00:00Z --qualifier population=adults --quote 'Dose 0.2%')
R 0 --json assert --key "$T/a.key" "${claim[@]}"
jq -e '.status == "new"' "$T/out" >/dev/null || fail "remote assert: not new"
jq 'del(.status)' "$T/out" >"$T/first.json"
X1=$(jq -r .seq "$T/out")
E 0 --json assert --key "$T/a.key" "${claim[@]}"
jq -e '.status == "duplicate"' "$T/out" >/dev/null || fail "embedded assert: not a duplicate"
jq 'del(.status)' "$T/out" | cmp -s - "$T/first.json" || fail "the duplicate differs"

# Each claim's log position, read in the other mode than the one that wrote it.
E 0 --quiet assert --key "$T/b.key" --subject drug:x --predicate dose --value 0.3 --unit % \
    --source preprint:y
R 0 --json get "$(out)"
X2=$(jq -r .seq "$T/out")
R 0 --quiet assert --key "$T/b.key" --subject drug:x --predicate dose --value 0.2 --unit % \
    --source trial:z --derived-from "$(jq -r .id "$T/first.json")"
E 0 --json get "$(out)"
X3=$(jq -r .seq "$T/out")
E 0 --quiet assert --key "$T/a.key" --subject drug:y --predicate dose --value 5 --unit mg \
    --source trial:w
R 0 --json get "$(out)"
X4=$(jq -r .seq "$T/out")

# Records from a file, through the server: one atomic batch.
cat >"$T/claims.jsonl" <<EOF
{"subject":"drug:z","predicate":"dose","object":{"type":"number","value":1,"unit":"mg"},"source":"trial:z","asserted_at":"2024-01-01T00:00:00Z"}
{"subject":"drug:z","predicate":"route","object":"oral","source":"trial:z","asserted_at":"2024-01-01T00:00:00Z"}
EOF
R 0 assert --key "$T/a.key" --file "$T/claims.jsonl"
out_has "2 records: 2 new"
E 0 assert --key "$T/a.key" --file "$T/claims.jsonl"
out_has "2 records: 0 new"
out_has "2 duplicate"

R 0 --json vote "$X2" down --key "$T/a.key" --reason 'not in the label'
k_remote=$(keys_of)
E 0 --json vote "$X2" -1 --key "$T/b.key"
[[ "$(keys_of)" == "$k_remote" ]] || fail "vote: members differ"
jq -e '.votes.down == 2 and .stage == "disputed"' "$T/out" >/dev/null || fail "vote: not disputed"
R 0 vote "$X1" up --key "$T/b.key"
out_has "votes   1 up, 0 down"

R 0 epoch open guideline-2018 --description 'old'
E 0 epoch open guideline-2024
R 0 reaffirm "$X4" --epoch guideline-2024 --key "$T/a.key"
out_has "epoch   guideline-2024"
R 0 --json supersede "$X4" --key "$T/a.key" --value 10 --unit mg
k_remote=$(keys_of)
X5=$(jq -r .seq "$T/out")
jq -e '.head == .id' "$T/out" >/dev/null || fail "supersede: the new claim is not the head"
E 0 --json supersede "$X5" --key "$T/a.key" --value 20 --unit mg
[[ "$(keys_of)" == "$k_remote" ]] || fail "supersede: members differ"
X6=$(jq -r .seq "$T/out")
R 0 state "$X4"
out_has "superseded_by  seq $X5"
R 0 --json retract "$X3" --key "$T/b.key" --reason 'derived from a bad value'
jq -e '.stage == "retracted" and .report.total == 1' "$T/out" >/dev/null || fail "retract"
R 0 gold set drug:x dose --value 0.2 --unit %
E 0 gold set drug:y dose --value 20 --unit mg
R 0 agent set "$A" --name Ada --key "$T/a.key"
E 0 agent set "$B" --role editor
R 0 agent set "$B" --name Bob --key "$T/b.key"
out_has "role    editor" # the role was carried over from the store, read through the server
R 0 --json source retract preprint:y --reason withdrawn
jq -e '.source == "preprint:y" and .report.total >= 1' "$T/out" >/dev/null || fail "source retract"
E 0 source reinstate preprint:y
R 0 source retract preprint:y --reason 'withdrawn again'
R 0 epoch supersede guideline-2018 --successor guideline-2024
E 0 --quiet query drug:x dose --lens authority --audit --asker test

# ---- every read, both ways ----------------------------------------------------------------

ALL=$(printf '%064d' 0)
for fmt in --json ""; do
    same 0 $fmt get "$X1"
    same 0 $fmt get "$X1" --as-of "$X3"
    same 0 $fmt get "$(jq -r .id "$T/first.json")"
    same 0 $fmt log --limit 0
    same 0 $fmt log --limit 3
    same 0 $fmt log --after 4 --limit 2
    same 0 $fmt list --subject drug:x
    same 0 $fmt list --subject drug:x --predicate dose --as-of "$X3"
    same 0 $fmt list --source trial:z
    same 0 $fmt list --agent "$A" --limit 2
    same 0 $fmt list --derived-from "$(jq -r .id "$T/first.json")"
    same 0 $fmt list --target "$(jq -r .id "$T/first.json")"
    same 0 $fmt state "$X2"
    same 0 $fmt state "$X4"
    same 0 $fmt history "$X2"
    same 0 $fmt history "$X4"
    same 0 $fmt provenance "$X3"
    same 0 $fmt provenance "$X2"
    same 0 $fmt query drug:x
    same 0 $fmt query drug:x dose --lens authority --explain
    same 0 $fmt query drug:x dose --alternatives 1 --support 0
    same 0 $fmt query drug:x --alternatives all --support all
    same 0 $fmt query drug:x dose --lens layered:authority,recency --include-stage retracted \
        --as-of "$X3"
    same 0 $fmt query drug:x dose --what-if-retract fda:label:x
    same 0 $fmt query drug:y dose --what-if-distrust "$A" --tier peer_reviewed
    same 0 $fmt compare-lenses drug:x dose
    same 0 $fmt compare-lenses drug:x dose --as-of "$X3" --include-stage retracted
    same 0 $fmt source list
    same 0 $fmt source show fda:label:x
    same 0 $fmt source show preprint:y
    same 0 $fmt impact trial:z
    same 0 $fmt agent show "$A"
    same 0 $fmt agent show "$ALL"
    same 0 $fmt trust show
    same 0 $fmt trust show "$B" --as-of "$X3"
    same 0 $fmt trust show --as-of "$X2"
    same 0 $fmt gold show drug:x dose
    same 0 $fmt quarantine list
    same 0 $fmt audit
    same 0 $fmt audit --verify --limit 1
    same 0 $fmt key list
    same 0 $fmt key log --from 2 --limit 3
done
expect 0 --db "$DB" --json query drug:x dose --lens authority
receipt=$(jq -r '.answers[0].receipt' "$T/out")
position=$(jq -r '.position' "$T/out")
same 0 verify-receipt drug:x dose --lens authority --as-of "$position" --receipt "$receipt"
same 0 --json verify-receipt drug:x dose --lens authority --as-of "$position" --receipt "$receipt"
same 1 verify-receipt drug:x dose --lens recency --as-of "$position" --receipt "$receipt"
same 0 --quiet impact trial:z

# stats and check name the store: a path here, the server's data directory there.
E 0 --json stats
jq 'del(.db)' "$T/out" >"$T/emb.json"
R 0 --json stats
jq 'del(.db)' "$T/out" | cmp -s - "$T/emb.json" || fail "stats differ"
R 0 stats
out_has "last_seq "
E 0 --json check
jq 'del(.db)' "$T/out" >"$T/emb.json"
R 0 --json check
jq 'del(.db)' "$T/out" | cmp -s - "$T/emb.json" || fail "check differs"
R 0 check
out_has "ok: "

# Paging: a listing longer than the server's page of 1000 (one batch of 1100 claims).
for i in $(seq 1 1100); do
    printf '{"subject":"bulk:%d","predicate":"p","object":%d,"source":"bulk","asserted_at":"2024-01-01T00:00:00Z"}\n' "$i" "$i"
done >"$T/bulk.jsonl"
R 0 --quiet assert --key "$T/b.key" --file "$T/bulk.jsonl"
same 0 --json log --limit 0
[[ $(wc -l <"$T/out") -gt 1100 ]] || fail "log --limit 0 stopped at a page"
same 0 --json list --source bulk --limit 1050
[[ $(wc -l <"$T/out") -eq 1050 ]] || fail "list --limit 1050 gave $(wc -l <"$T/out")"
same 0 list --source bulk --limit 1001 --after 5
out_has "(1001 shown; more follow: add --after "
same 0 --json trust show

# Key management through the server's admin routes.
R 0 --json key create temp --role reader
TEMP=$(jq -r .token "$T/out")
TEMP_ID=$(jq -r .id "$T/out")
jq -e 'keys_unsorted == ["id", "name", "role", "token", "created_at"]' "$T/out" >/dev/null ||
    fail "key create: members"
STEME_API_KEY=$TEMP expect 0 --url "$U" --quiet stats
R 0 --json key revoke "$TEMP_ID"
jq -e '.already_revoked == false and .name == "temp"' "$T/out" >/dev/null || fail "key revoke"
E 0 --json key revoke "$TEMP_ID"
jq -e '.already_revoked == true' "$T/out" >/dev/null || fail "key revoke again"
STEME_API_KEY=$TEMP expect 1 --url "$U" stats
err_has "the server refused the API key in STEME_API_KEY"

# ---- errors ---------------------------------------------------------------------------------

same 1 get 999999
same 1 --json get 999999
same 1 get "$ALL"
same 1 state 999999
same 1 state "$ALL"
same 1 --json history "$ALL"
same 1 source show nosuch:source
same 1 impact nosuch:source
same 1 impact preprint:y # already retracted
same 1 gold show drug:none dose
same 1 --json key revoke 0000000000000000
same 1 --json vote 999999 up --key "$T/a.key"
same 1 --json vote "$ALL" up --key "$T/a.key"
err_has "steme: vote: target: no such assertion"
same 1 retract "$X3" --key "$T/b.key" # already retracted
same 1 --json supersede "$X2" --key "$T/a.key" --value 1 # another agent's claim, no role
same 1 supersede 1 --key "$T/a.key" --value 1 # an event, not an assertion
same 1 query drug:x dose --lens nosuch
same 2 get 0
same 2 vote "$X1" sideways --key "$T/a.key"

# No API key: 401, and no token in what is printed.
STEME_API_KEY= expect 1 --url "$U" log
err_has "the server needs an API key: set STEME_API_KEY"
STEME_API_KEY= expect 1 --url "$U" --json get "$X1"
jq -e '.error == "unauthorized"' "$T/out" >/dev/null || fail "401: error code"
STEME_API_KEY="$READER" expect 1 --url "$U" --json vote "$X1" up --key "$T/a.key"
jq -e '.error == "forbidden"' "$T/out" >/dev/null || fail "403: error code"
err_has "may not do this: this route needs the writer role; the key has reader"
STEME_API_KEY="$WRITER" expect 1 --url "$U" source add x:y --tier expert
err_has "needs the admin role; the key has writer"
STEME_API_KEY="$WRITER" expect 0 --url "$U" --quiet vote "$X1" up --key "$T/a.key"
STEME_API_KEY=stk_0123456789abcdef.0000000000000000000000000000000000000000000000000000000000000000 \
    expect 1 --url "$U" stats
err_has "refused the API key"
for token in "$ADMIN_TOKEN" "$READER" "$WRITER" "${TEMP#*.}"; do
    ! grep -qF -- "${token#*.}" "$T/err" || fail "a token was printed"
done

# STEME_URL, and the modes' exclusions.
STEME_URL="$U" expect 0 --quiet stats
STEME_URL="$U" expect 0 --db "$DB" --quiet stats # --db beats STEME_URL
STEME_URL="$U" STEME_DB="$DB" expect 2 stats
err_has "STEME_DB and STEME_URL are both set"
expect 2 --url "$U" --db "$DB" stats
err_has "--db and --url cannot be combined"
expect 2 --url ftp://example.org stats
err_has "is not an http:// or https:// URL"
for cmd in init keygen rebuild backup restore "demo load"; do
    # shellcheck disable=SC2086
    expect 2 --url "$U" $cmd
    err_has "has no remote mode"
done
expect 2 --url "$U" export
err_has "has no remote mode"
STEME_ADMIN_KEY_FILE= expect 2 --url "$U" epoch open e3
err_has "name it with --key or STEME_ADMIN_KEY_FILE"
expect 0 --url "$U" help
out_has "--url URL"
expect 0 --url "$U" help query
expect 0 --url "$U" query --help

# An unreachable server: the URL and the cause.
stop_server
expect 1 --url "$U" log
err_has "steme: log: $U: "
expect 1 --url "$U" --json get 1
jq -e '.error == "unreachable"' "$T/out" >/dev/null || fail "unreachable: error code"

# ---- TLS with a self-signed certificate, trusted through STEME_CA_CERT -----------------------

if command -v openssl >/dev/null; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
        -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
    start_server "$T/tls-db" STEMEDB_TLS_CERT_PATH="$T/tls.crt" STEMEDB_TLS_KEY_PATH="$T/tls.key"
    export STEME_API_KEY
    STEME_API_KEY=$(cat "$T/tls-db.token")
    expect 1 --url "https://127.0.0.1:$PORT" stats
    err_has "https://127.0.0.1:$PORT: "
    STEME_CA_CERT="$T/tls.crt" expect 0 --url "https://127.0.0.1:$PORT" --json stats
    jq -e '.last_seq == 0' "$T/out" >/dev/null || fail "TLS: stats"
    stop_server
fi
