#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/http/run.sh -- stemedb over HTTP against its bounds, measured in one run
# (docs/benchmarks.md, "bench/http"):
#
#   1. a store of N assertions (bench_ingest's data set; --dir reuses one it kept)
#   2. the bound, bench_http_bound (a fixed 200-byte JSON answer), and stemedb on the store, both
#      started; stemedb's first pass of lens queries (GET /v1/query, keys drawn like the writes)
#      with cold caches; then R rounds, each a pass on the bound then a pass on stemedb (wrk, C
#      connections), so that both sample the machine's changes of pace alike; the query
#      targets are judged on the median over the rounds of each round's ratio
#   3. batch ingest into stemedb (POST /v1/records, B records per request), wrk, C connections,
#      counted by the log position before and after
#   4. the in-process peer: the same number of fresh records, batches of B, C threads calling
#      steme_db_ingest on the same store
#
# Usage: bench/http/run.sh [--records N] [--dir STORE] [--duration S] [--connections C]
#                          [--batch B] [--rounds R] [--quick] [--keep]
#   --quick: 20,000 records, 5 s per phase, 1 round (a smoke run; the figures mean little)
set -euo pipefail
cd "$(dirname "$0")/../.."

records=1000000
duration=15
connections=64
batch=100
rounds=3
store=
keep=false
while [[ $# -gt 0 ]]; do
    case $1 in
    --records) records=$2; shift 2 ;;
    --dir) store=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --quick) records=20000; duration=5; rounds=1; shift ;;
    --keep) keep=true; shift ;;
    -h|--help) sed -n '3,21p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

scripts/deps.sh --bench >/dev/null
scripts/build.sh build-release --buildtype=release >/dev/null
B=build-release
threads=$(nproc)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-http.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if ! $keep; then rm -rf "$work"; else echo "kept: $work" >&2; fi
}
trap cleanup EXIT

wait_port() { # FILE PID
    for _ in $(seq 1 600); do
        [[ -s $1 ]] && { cat "$1"; return 0; }
        kill -0 "$2" 2>/dev/null || { echo "run.sh: the server died" >&2; return 1; }
        sleep 0.1
    done
    echo "run.sh: no port after 60 s" >&2
    return 1
}

echo "== store"
if [[ -z $store ]]; then
    store=$work/store
    $B/bench/ingest/bench_ingest --records "$records" --lookups 1000 --keep --dir "$store" \
        | grep -E "ingest|records" | head -4
fi

# The HTTP writes and the in-process writes are both fresh data sets of the same shape as the
# store's (other salts), enough for the whole phase at any plausible rate. They hold no
# derived_from links (--gap beyond the set): a derived claim's parent must be stored first,
# and 64 connections in no particular order would make the phase measure refusals. Their salts
# carry the run's start time, so that a store reused with --dir never gets records it already
# holds from an earlier run (duplicates are no-ops, and either phase would measure those).
run_id=$(date +%s)
http_salt=$(((0x4854 << 32) | run_id))
inproc_salt=$(((0x5052 << 32) | run_id))
fresh=$((duration * 20000))
echo "== inputs: $fresh fresh records in batches of $batch, 10000 query paths"
$B/bench/http/bench_http_gen bodies --records "$fresh" --batch "$batch" --salt "$http_salt" --gap 1000000000 \
    >"$work/bodies.jsonl"
$B/bench/http/bench_http_gen paths --dir "$store" --count 10000 --lens consensus \
    >"$work/paths.txt"

# The CPU time (user + system, clock ticks) a process has used: read before and after a phase,
# it gives the server's CPU per request, which wrk's latency cannot separate from queueing.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wrk_run() { # URL SCRIPT -> the JSON line of the script's done()
    wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s -s "$2" "$1" | tail -n 1
}

echo "== the bound (bench_http_bound) and stemedb on the store, $connections connections"
$B/bench/http/bench_http_bound "$work/bound.port" "$threads" &
pids+=($!)
bound_pid=${pids[-1]}
bport=$(wait_port "$work/bound.port" "$bound_pid")
burl=http://127.0.0.1:$bport
STEMEDB_DATA_DIR=$store STEMEDB_BIND_ADDR=127.0.0.1:0 STEMEDB_PORT_FILE=$work/srv.port \
    STEMEDB_ADMIN_KEY_FILE=$work/admin.key STEMEDB_RATE_PER_KEY=0 STEMEDB_RATE_PER_IP=0 \
    STEMEDB_THREADS=$threads STEMEDB_LOG_LEVEL=warn STEMEDB_MAX_BODY_INGEST=67108864 \
    $B/src/server/stemedb >"$work/srv.out" 2>"$work/srv.log" &
pids+=($!)
srv=${pids[-1]}
port=$(wait_port "$work/srv.port" "$srv")
url=http://127.0.0.1:$port
token=$(cat "$work/admin.key")
position() {
    curl -sf -H "Authorization: Bearer $token" "$url/v1/stats" | jq -r .last_seq
}

# One pass of lens queries; prints wrk's JSON line with the server's CPU ticks added.
query_pass() { # URL PID TOKEN
    local c0 out
    c0=$(cpu_ticks "$2")
    out=$(BENCH_PATHS=$work/paths.txt BENCH_TOKEN=$3 wrk_run "$1" bench/http/query.lua)
    jq -c --argjson t "$(($(cpu_ticks "$2") - c0))" '. + {cpu_ticks: $t}' <<<"$out"
}

# The first pass meets every path's first query (computed afresh, then kept by the materialized
# views and the rendered-answer cache); the rounds after it are the steady state of a server
# that has answered these keys before, on which the targets are judged. Each round measures
# the bound and stemedb back to back: on this kind of machine (two cores shared by the server
# and wrk) one pass's tail can differ from the next by several times, for either program.
echo "-- stemedb: lens queries (consensus), ${duration}s, first pass (cold caches)"
query_cold=$(query_pass "$url" "$srv" "$token")
echo "$query_cold"
rounds_json=()
for r in $(seq 1 "$rounds"); do
    echo "-- round $r of $rounds: the bound, then stemedb, ${duration}s each"
    b=$(query_pass "$burl" "$bound_pid" "")
    q=$(query_pass "$url" "$srv" "$token")
    echo "$b"
    echo "$q"
    rounds_json+=("{\"bound\": $b, \"query\": $q}")
done
kill "$bound_pid"; wait "$bound_pid" 2>/dev/null || true

echo "-- batch ingest, $batch records per request, ${duration}s"
before=$(position)
ingest=$(BENCH_BODIES=$work/bodies.jsonl BENCH_THREADS=$threads BENCH_TOKEN=$token \
    wrk_run "$url" bench/http/ingest.lua)
after=$(position)
echo "$ingest"
kill -TERM "$srv"; wait "$srv" || { echo "run.sh: stemedb exited with an error" >&2; exit 1; }
stored=$((after - before))
[[ $stored -lt $fresh ]] || echo "warning: every fresh record was stored before the end: the rate is a lower bound"

echo "-- in-process ingest: $stored records, batches of $batch, $connections threads"
inproc=$($B/bench/http/bench_http_gen inproc --dir "$store" --records "$((stored > 1000 ? stored : 1000))" \
    --batch "$batch" --threads "$connections" --salt "$inproc_salt" --gap 1000000000)
echo "$inproc"

python3 - "[$(IFS=,; echo "${rounds_json[*]}")]" "$ingest" "$stored" "$inproc" "$connections" \
    "$batch" "$query_cold" "$(getconf CLK_TCK)" <<'EOF'
import json, statistics, sys
rounds = json.loads(sys.argv[1])
ingest = json.loads(sys.argv[2])
stored = int(sys.argv[3]); inproc = json.loads(sys.argv[4])
conns, batch = sys.argv[5], sys.argv[6]
cold = json.loads(sys.argv[7])
tick_us = 1e6 / int(sys.argv[8])
cpu_per = lambda r: r["cpu_ticks"] * tick_us / max(r["requests"], 1)
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
ms = lambda r: f"{r['p50_us']/1e3:.2f} / {r['p90_us']/1e3:.2f} / {r['p99_us']/1e3:.2f}"
thr = [rps(x["query"]) / rps(x["bound"]) for x in rounds]
tail = [x["query"]["p99_us"] / max(x["bound"]["p99_us"], 1) for x in rounds]
thr_m, tail_m = statistics.median(thr), statistics.median(tail)
http_rate = stored / (ingest["duration_us"] / 1e6)
b0 = rounds[0]["bound"]
rows = [
    ("first pass: requests/s", f"{rps(cold):,.0f}", f"({rps(cold)/rps(b0):.2f} of round 1's bound)"),
    ("first pass: p50 / p90 / p99 (ms)", ms(cold), f"(p99 {cold['p99_us']/max(b0['p99_us'],1):.2f} x round 1's bound)"),
]
for i, x in enumerate(rounds, 1):
    b, q = x["bound"], x["query"]
    rows += [
        (f"round {i}: bound requests/s", f"{rps(b):,.0f}", f"p50 / p90 / p99 {ms(b)} ms"),
        (f"round {i}: stemedb requests/s", f"{rps(q):,.0f}", f"p50 / p90 / p99 {ms(q)} ms"),
        (f"round {i}: ratios", f"{thr[i-1]:.2f} / {tail[i-1]:.2f}",
         f"(throughput / p99 against the bound; non-2xx {q['non2xx']}, socket errors {q['socket_errors']})"),
        (f"round {i}: server CPU per request", f"{cpu_per(b):.1f} / {cpu_per(q):.1f} us", "(the bound / stemedb, user + system)"),
    ]
# A pass that counted refusals or failed connections did not measure answers: no verdict. (A
# store reused with --dir grows at every run; its hottest key can pass STEME_QUERY_MAX_CANDS,
# and its queries are then refused: docs/benchmarks.md.)
failed = sum(x["query"]["non2xx"] + x["query"]["socket_errors"] for x in rounds) + \
    cold["non2xx"] + cold["socket_errors"]
judge = lambda ok: f"INVALID ({failed} queries not answered with 2xx)" if failed else ("met" if ok else "MISSED")
rows += [
    ("query throughput / bound", f"{thr_m:.2f}", f"median of {len(rounds)}; >= 0.50: " + judge(thr_m >= 0.5)),
    ("query p99 / bound p99", f"{tail_m:.2f}", f"median of {len(rounds)}; <= 1.5: " + judge(tail_m <= 1.5)),
    ("HTTP ingest: records/s", f"{http_rate:,.0f}", f"({ingest['requests']} requests of {batch}, non-2xx {ingest['non2xx']})"),
    ("in-process ingest: records/s", f"{inproc['per_second']:,.0f}", ""),
    ("HTTP ingest / in-process", f"{http_rate/inproc['per_second']:.2f}", ">= 0.60: " + ("met" if http_rate >= 0.6 * inproc['per_second'] else "MISSED")),
]
print(f"\n{conns} connections, loopback\n")
for k, v, t in rows:
    print(f"  {k:34} {v:>22}  {t}")
EOF
