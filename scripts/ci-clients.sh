#!/usr/bin/env bash
# Real OpenStack clients against the local service (the README's `npm start`):
#   1. the shared client scenario (glance + openstack CLIs): ../shared/anchor/client-scenario.sh
#   2. our openstacksdk scenario: scripts/sdk-scenario.py
#   3. the glance CLI metadefs commands: scripts/metadefs-scenario.sh
#   4. the large-image client (upload sessions, interrupted and resumed), and PUT /file clients killed
#      mid-body leaving no blob file in the service's PERSIST_DIR: scripts/upload-session-scenario.sh
#   4b. glance cache-* commands and the locations API: scripts/cache-locations-scenario.sh
#   5. sharing between two projects with real Keystone tokens: scripts/keystone-scenario.sh (starts
#      Debian's keystone and a second instance of this service in AUTH_MODE=keystone, on free ports)
#   6. the catalog in a real browser (Debian's chromium driven by playwright-core): scripts/browser-scenario.mjs
#   7. webhooks delivered to a Node HTTP receiver on 127.0.0.1 (signature, retry, disable): scripts/webhooks-scenario.mjs
# Starts the service on 127.0.0.1:$PORT (default 9292) with a fresh PERSIST_DIR, waits for it,
# runs the scenarios, stops the service by its process group, prints the totals, exits 1 on any failure.
# Env: PORT=9292  CI_GLANCE_CONFIG (GLANCE_CONFIG for the service)  SHARED_DIR=<folder holding anchor/>  KEEP_STATE=1 (keep state + service log)
#      SCENARIO_TIMEOUT=1200 (seconds per scenario; ~4 min on an idle 2-core machine)
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
source scripts/lib/service.sh
PORT=${PORT:-9292}
URL=http://127.0.0.1:$PORT
T0=$(date +%s)
log() { echo "[ci-clients] $*" >&2; }

# ---- the shared anchor scripts: a sibling of the clone in CI, /work/shared on the dev machine
SHARED=${SHARED_DIR:-$(dirname "$REPO")/shared}
[[ -f $SHARED/anchor/client-scenario.sh ]] || SHARED=/work/shared
SCENARIO=$SHARED/anchor/client-scenario.sh
[[ -f $SCENARIO ]] || { log "client-scenario.sh not found (looked in $(dirname "$REPO")/shared and /work/shared)"; exit 1; }

# ---- clients (Debian packages); install only what is missing
PKGS=(python3-glanceclient python3-openstackclient python3-openstacksdk keystone curl jq chromium fonts-dejavu-core)
MISSING=()
for p in "${PKGS[@]}"; do installed "$p" || MISSING+=("$p"); done
if ((${#MISSING[@]})); then
  log "installing ${MISSING[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null \
    || { log "apt-get install failed"; exit 1; }
fi

# ---- the service, in its own process group so that wrangler and workerd stop together
port_busy() { if command -v ss >/dev/null; then ss -ltnH "sport = :$1" | grep -q .; else curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; fi; }
if port_busy "$PORT"; then log "port $PORT is already in use"; exit 1; fi
STATE=$(mktemp -d "/tmp/ci-clients-state.XXXXXX")
SVC_LOG=$STATE/service.log
SVC_PID=""
stop_service() {
  [[ -n $SVC_PID ]] || return 0
  stop_group "$SVC_PID" && log "service stopped (pgid $SVC_PID)"
  SVC_PID=""
}
cleanup() {
  stop_service
  if [[ ${KEEP_STATE:-0} == 1 ]]; then log "state kept in $STATE"; else rm -rf "$STATE"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# web-download in the scenario pulls from a python http.server on 127.0.0.1 (random port): allow
# loopback for this run only, as start-glance.sh does for the reference Glance (the default filter
# refuses loopback, as it should).
# The cache API is on (glance cache-* commands; the version document then offers 2.14-2.18).
CI_GLANCE_CONFIG=${CI_GLANCE_CONFIG:-'{"notification_sink":true,"image_cache_enabled":true,"import_filtering_opts":{"allowed_hosts":["127.0.0.1","localhost"],"allowed_ports":[]}}'}
# setsid: npm becomes a process-group leader, so its PID is the group id of the whole tree
GLANCE_CONFIG=$CI_GLANCE_CONFIG PORT=$PORT PERSIST_DIR=$STATE/persist setsid npm start >"$SVC_LOG" 2>&1 </dev/null &
SVC_PID=$!
log "service starting: pid $SVC_PID, $URL, state $STATE"
if ! wait_ok "$URL/healthcheck" "$SVC_PID"; then
  log "service did not become ready; log tail:"; tail -40 "$SVC_LOG" >&2
  exit 1
fi
log "service ready after $(( $(date +%s) - T0 )) s"

# ---- the scenarios
TOTAL_P=0; TOTAL_F=0; RC=0
run_suite() { # run_suite NAME CMD...
  local name=$1; shift
  local out=$STATE/$name.out t=$(date +%s) rc line p f
  echo "==== $name"
  timeout --kill-after=10 "${SCENARIO_TIMEOUT:-1200}" "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
  if [[ -z $line ]]; then # killed or crashed: count what it printed, plus one failure for the cut
    line="$(grep -c '^PASS ' "$out") passed, $(( $(grep -c '^FAIL ' "$out") + 1 )) failed (no summary line; exit $rc$( ((rc == 124)) && echo ", timed out"))"
  fi
  p=$(awk '{print $1}' <<<"$line"); f=$(awk '{print $3}' <<<"$line")
  ((rc != 0 && f == 0)) && f=1
  TOTAL_P=$((TOTAL_P + p)); TOTAL_F=$((TOTAL_F + f)); ((rc != 0)) && RC=1
  echo "==== $name: $line ($(( $(date +%s) - t )) s, exit $rc)"
}
run_suite client-scenario bash "$SCENARIO" "$URL"
run_suite sdk-scenario /usr/bin/python3 "$REPO/scripts/sdk-scenario.py" "$URL"
run_suite metadefs-scenario bash "$REPO/scripts/metadefs-scenario.sh" "$URL"
run_suite upload-session-scenario env PERSIST_DIR="$STATE/persist" bash "$REPO/scripts/upload-session-scenario.sh" "$URL"  # PERSIST_DIR: aborted uploads leave no blob file
run_suite cache-locations-scenario bash "$REPO/scripts/cache-locations-scenario.sh" "$URL"
run_suite browser-scenario npx --no-install node "$REPO/scripts/browser-scenario.mjs" "$URL"  # the catalog in chromium: browse, search, download, sign in, accept, upload + resume (~1 min)
run_suite webhooks-scenario node "$REPO/scripts/webhooks-scenario.mjs" "$URL"  # to a Node receiver on 127.0.0.1 (allowed by the import filter above): signed, 500 retried after 15 s, disabled stops (~100 s)
run_suite presigned-scenario bash "$REPO/scripts/presigned-scenario.sh"  # presigned part URLs against a local S3 server (own service + s3rver on free ports)
run_suite fuzz npm run -s fuzz -- --url "$URL" --count 1000 --seed 1  # seeded bad/odd requests on every route family: no 5xx but 501, none slower than 10 s (~70 s)
run_suite keystone-scenario bash "$REPO/scripts/keystone-scenario.sh"
run_suite registry-scenario bash "$REPO/scripts/registry-scenario.sh"
run_suite tempest-scenario bash "$REPO/scripts/tempest-scenario.sh"  # Tempest 33 image tests with Keystone (installs tempest)

# Errors in the service's own log fail the run too (a client may not notice a 500 it retried).
if [[ -s $SVC_LOG ]] && grep -qiE 'uncaught|unhandled|internal server error|request req-[^ ]* failed' "$SVC_LOG"; then
  log "service log mentions errors (tail):"; grep -iE 'uncaught|unhandled|internal server error|request req-[^ ]* failed' "$SVC_LOG" | tail -10 >&2
  echo "FAIL  the service log is free of errors"
  TOTAL_F=$((TOTAL_F + 1)); RC=1
fi
stop_service
echo "client checks: $(( $(date +%s) - T0 )) s in total"
echo "$TOTAL_P passed, $TOTAL_F failed"
exit $RC
