#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# start.sh -- the README's first command: install what is missing, build StemeDB, create a
# store (./steme-data, or $STEME_DB) with the living-review demo loaded (docs/demo.md), start
# the stemedb server on it (127.0.0.1:18180, or $STEMEDB_BIND_ADDR), run the demo tour
# against the live server, print where to look and what to try, and keep serving until
# Ctrl-C (or SIGTERM), which stops the server cleanly.
#
# Safe to run again: loading the demo is idempotent, and the tour finds its retraction done.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/build.sh build-release --buildtype=release

steme=$PWD/build-release/src/cli/steme
stemedb=$PWD/build-release/src/server/stemedb
# The store is named with --db on every local command and never exported: steme refuses a
# STEME_DB and a STEME_URL together (which mode is meant?), and the tour runs remote.
db=${STEME_DB:-$PWD/steme-data}
unset STEME_DB STEME_URL
addr=${STEMEDB_BIND_ADDR:-127.0.0.1:18180}
url=http://$addr
keyfile=${STEMEDB_ADMIN_KEY_FILE:-$db/api-admin.key}
log=$db/stemedb.log

if [[ ! -d "$db" ]]; then
    "$steme" --db "$db" init
fi
echo "== loading the living-review demo into $db"
"$steme" --db "$db" demo load

if curl -s -o /dev/null "$url/v1/health" 2>/dev/null; then
    echo "start.sh: something already answers at $url (a stemedb from an earlier run?)." >&2
    echo "          Stop it, or choose another address: STEMEDB_BIND_ADDR=127.0.0.1:18181 $0" >&2
    exit 1
fi

echo "== starting stemedb at $url (log: $log)"
STEMEDB_DATA_DIR=$db STEMEDB_BIND_ADDR=$addr STEMEDB_ADMIN_KEY_FILE=$keyfile \
    "$stemedb" >>"$log" 2>&1 &
server=$!
stop() {
    trap - INT TERM EXIT
    if kill -0 "$server" 2>/dev/null; then
        echo
        echo "== stopping stemedb (SIGTERM: in-flight requests finish, the store is closed)"
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
}
trap stop INT TERM EXIT

for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$url/v1/ready" 2>/dev/null && break
    if ! kill -0 "$server" 2>/dev/null; then
        echo "start.sh: stemedb did not start; the end of its log:" >&2
        tail -n 5 "$log" >&2
        exit 1
    fi
    sleep 0.1
done

echo "== the tour: five moments, with real API calls against the live server"
STEME_URL=$url STEME_API_KEY=$(cat "$keyfile") "$steme" demo tour --keys "$db/demo-keys"

cat <<MSG

StemeDB is serving the living review at $url -- Ctrl-C stops it.
  log          $log (one JSON object per line)
  API key      $keyfile (admin, mode 0600; never printed)
  API          $url/v1/openapi.json (docs/server.md)

Try, in another terminal:
  export STEME_URL=$url STEME_API_KEY=\$(cat $keyfile)
  curl -s -H "Authorization: Bearer \$STEME_API_KEY" \\
    "\$STEME_URL/v1/compare?subject=drug:metformin&predicate=adverse_event.diarrhea.incidence"
  curl -s -H "Authorization: Bearer \$STEME_API_KEY" \\
    "\$STEME_URL/v1/query?subject=drug:atorvastatin&lens=trust_authority&explain=true"
  curl -N -H "Authorization: Bearer \$STEME_API_KEY" \\
    "\$STEME_URL/v1/watch?subject=drug:atorvastatin"        # the living-review alerts
  $steme demo tour --keys $db/demo-keys           # the five moments again
  $steme query drug:semaglutide --lens layered --explain     # remote mode (STEME_URL)
  $steme --db $db log --limit 5                   # embedded mode, the same store
MSG
wait "$server"
