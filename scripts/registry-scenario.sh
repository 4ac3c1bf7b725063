#!/usr/bin/env bash
# The real clients against the registry layer (README "The registry layer"): starts this service
# with GLANCE_DATA_API=registry (the API Worker without a D1 binding, the registry Worker owning
# D1, bound over RPC) on a free port, then runs the shared client scenario (glance + openstack CLIs)
# and the openstacksdk scenario against it. Prints the scenarios' PASS/FAIL lines and a final
# `N passed, N failed`; exit 1 on any failure. Stops the service by its process group.
# Env: SHARED_DIR (folder holding anchor/), KEEP_STATE=1, CI_GLANCE_CONFIG (as ci-clients.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
source scripts/lib/service.sh
log() { echo "[registry-scenario] $*" >&2; }
PY=/usr/bin/python3
PORT=${REGISTRY_PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
URL=http://127.0.0.1:$PORT
SHARED=${SHARED_DIR:-$(dirname "$REPO")/shared}
[[ -f $SHARED/anchor/client-scenario.sh ]] || SHARED=/work/shared
W=$(mktemp -d /tmp/registry-scenario.XXXXXX)
SVC_PID=""
cleanup() {
  [[ -n $SVC_PID ]] && stop_group "$SVC_PID"
  if [[ ${KEEP_STATE:-0} == 1 ]]; then log "state kept in $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CONFIG=${CI_GLANCE_CONFIG:-'{"notification_sink":true,"import_filtering_opts":{"allowed_hosts":["127.0.0.1","localhost"],"allowed_ports":[]}}'}
GLANCE_DATA_API=registry GLANCE_CONFIG=$CONFIG PORT=$PORT PERSIST_DIR=$W/persist setsid npm start >"$W/service.log" 2>&1 </dev/null &
SVC_PID=$!
if ! wait_ok "$URL/healthcheck" "$SVC_PID"; then
  log "service did not start; log tail:"; tail -30 "$W/service.log" >&2
  echo "0 passed, 1 failed"; exit 1
fi
log "service ready on $URL (registry mode)"

P=0; F=0; RC=0
for scenario in "bash $SHARED/anchor/client-scenario.sh $URL" "$PY $REPO/scripts/sdk-scenario.py $URL"; do
  $scenario 2>&1 | tee "$W/out"
  ((PIPESTATUS[0] != 0)) && RC=1
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$W/out" | tail -1)
  [[ -z $line ]] && { line="0 passed, 1 failed"; RC=1; }
  P=$((P + $(awk '{print $1}' <<<"$line"))); F=$((F + $(awk '{print $3}' <<<"$line")))
done
if grep -qiE 'uncaught|unhandled|refused a call' "$W/service.log"; then
  log "service log mentions errors:"; grep -iE 'uncaught|unhandled|refused a call' "$W/service.log" | tail -5 >&2
  F=$((F + 1)); RC=1
fi
echo "$P passed, $F failed"
exit $RC
