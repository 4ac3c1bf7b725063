#!/usr/bin/env bash
# Tempest's image API tests (Debian package `tempest`, 33.0.0) against this service with real
# Keystone tokens: installs tempest (and keystone) when missing, starts Debian's keystone
# (test/setup/start-debian-keystone.sh, plus the extra accounts below), this service in
# AUTH_MODE=keystone, and a python http.server on 127.0.0.1 for the web-download import; writes a
# stock tempest.conf (only the services that exist, import enabled, os_glance_reserved, locations
# off) with pre-provisioned accounts (keystone on sqlite cannot create users through its API, see
# start-debian-keystone.sh), runs `tempest run --regex '^tempest\.api\.image'`, prints the
# failures with their reason, the skips by reason and the totals, stops everything it started,
# and ends with `N passed, N failed` (skips are not failures); exit 1 when a test failed.
#
# The only non-stock setting: web-download may fetch from 127.0.0.1 (any port) -- the import
# filter's allow-list, as for the reference Glance in ../shared/anchor/start-glance.sh.
#
# Env: CONCURRENCY=2 (tempest workers; accounts are provisioned for it)  KEEP_STATE=1 (keep the
#      whole temp dir: keystone, service state, tempest workspace)  TEMPEST_TIMEOUT=540 (seconds)
#      TEMPEST_REGEX='^tempest\.api\.image'  SHOW_SKIPS=1 (list every skipped test)
#      TEMPEST_EXCLUDE=<stestr exclude list> (default test/setup/tempest-image-exclude.txt: the tests
#      the reference Glance fails too, each with its reason; `none` runs everything)
#      SVC_GLANCE_CONFIG=<GLANCE_CONFIG for this service> (default: only the loopback allow-list)
#      TARGET=glance: the same run against the reference Glance (../shared/anchor/start-glance.sh,
#      GLANCE_AUTH=keystone, secure RBAC), for a side-by-side comparison.
# The subunit stream, tempest.log, tempest.conf and the service log are kept in $W/results
# (printed at the end) even without KEEP_STATE.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
source scripts/env.sh
source scripts/lib/service.sh
log() { echo "[tempest-scenario] $*" >&2; }
PY=/usr/bin/python3   # Debian's interpreter: the one with keystone / tempest / subunit
TARGET=${TARGET:-self}
CONCURRENCY=${CONCURRENCY:-2}
REGEX=${TEMPEST_REGEX:-'^tempest\.api\.image'}
T0=$(date +%s)
give_up() { log "$1"; echo "0 passed, 1 failed"; exit 1; }

# ---- packages: tempest (pulls python3-tempest, stestr, subunit) and keystone
MISSING=()
for p in tempest keystone curl; do installed "$p" || MISSING+=("$p"); done
if ((${#MISSING[@]})); then
  log "installing ${MISSING[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${MISSING[@]}" >/dev/null; } \
    || give_up "apt-get install ${MISSING[*]} failed"
fi

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
KS_PORT=${KS_PORT:-$(free_port)}
SVC_PORT=${SVC_PORT:-$(free_port)}
HTTP_PORT=${HTTP_PORT:-$(free_port)}
KS=http://127.0.0.1:$KS_PORT
SVC=http://127.0.0.1:$SVC_PORT
W=$(mktemp -d /tmp/tempest-scenario.XXXXXX)
RES=$W/results
mkdir -p "$RES" "$W/http"
export KS_DIR=$W/keystone

SVC_PID=""; HTTP_PID=""; TEMPEST_PID=""
stop_keystone() { [[ -f $KS_DIR/keystone.pid ]] && stop_group "$(cat "$KS_DIR/keystone.pid")"; }
cleanup() {
  [[ -n $TEMPEST_PID ]] && stop_group "$TEMPEST_PID"
  [[ -n $SVC_PID ]] && stop_group "$SVC_PID"
  [[ -n $HTTP_PID ]] && stop_group "$HTTP_PID"
  stop_keystone
  if [[ $TARGET == glance && -d $W/anchor/log ]]; then cp "$W/anchor/log/glance-api.log" "$RES/service.log" 2>/dev/null; fi
  [[ -f $W/service.log ]] && cp "$W/service.log" "$RES/service.log"
  gzip -f "$RES/tempest.log" "$RES/service.log" 2>/dev/null
  if [[ ${KEEP_STATE:-0} == 1 ]]; then log "state kept in $W"
  else find "$W" -mindepth 1 -maxdepth 1 ! -name results -exec rm -rf {} +; log "results kept in $RES"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- this service (or the reference Glance), started first: wrangler takes the longest to boot
# and validates tokens only when requests come in. Its endpoint goes into keystone's catalog.
SHARED=${SHARED_DIR:-$(dirname "$REPO")/shared}; [[ -d $SHARED/anchor ]] || SHARED=/work/shared
if [[ $TARGET == self ]]; then
  # The stock metadefs catalog (tempest's metadefs tests take the first resource type listed)
  # comes with the migrations (0007), as `glance-manage db_load_metadefs` gives the reference.
  # Stock configuration except the web-download allow-list for loopback (any port).
  AUTH_MODE=keystone KEYSTONE_URL=$KS/v3 \
    KEYSTONE_SERVICE_CREDENTIALS='{"username":"glance","password":"glance-secret","project_name":"service"}' \
    GLANCE_CONFIG=${SVC_GLANCE_CONFIG:-'{"import_filtering_opts":{"allowed_hosts":["127.0.0.1"],"allowed_ports":[]}}'} \
    PORT=$SVC_PORT PERSIST_DIR=$W/persist setsid npm start >"$W/service.log" 2>&1 </dev/null &
  SVC_PID=$!
elif [[ $TARGET != glance ]]; then
  give_up "TARGET must be self or glance"
fi

# ---- keystone: the stock setup (admin; projA/projB with user-projA/user-projB, member; the
# `glance` service user; the image endpoint), then, with the server stopped (the sqlite-backed
# server cannot write after issuing a token), one more admin and two more member users per extra
# tempest worker: each running test class locks its accounts (primary + alt, or admin + primary).
if ! KS_PORT=$KS_PORT GLANCE_URL=$SVC bash test/setup/start-debian-keystone.sh >"$W/keystone-setup.log" 2>&1; then
  tail -20 "$W/keystone-setup.log" >&2; give_up "keystone did not start"
fi
stop_keystone
KM=(keystone-manage --config-file "$KS_DIR/keystone.conf")
export OS_KEYSTONE_CONFIG_FILES=$KS_DIR/keystone.conf
ACCOUNTS=$W/etc-src/accounts.yaml
mkdir -p "$W/etc-src"
{
  echo "- {username: admin, project_name: admin, password: secret, types: [admin]}"
  echo "- {username: user-projA, project_name: projA, password: secret, roles: [member, reader]}"
  echo "- {username: user-projB, project_name: projB, password: secret, roles: [member, reader]}"
} >"$ACCOUNTS"
for ((i = 2; i <= CONCURRENCY; i++)); do
  "${KM[@]}" bootstrap --bootstrap-username "tempest-admin$i" --bootstrap-password secret \
    --bootstrap-project-name admin --bootstrap-role-name admin >>"$W/keystone-setup.log" 2>&1 \
    || give_up "keystone-manage bootstrap tempest-admin$i failed"
  echo "- {username: tempest-admin$i, project_name: admin, password: secret, types: [admin]}" >>"$ACCOUNTS"
  for s in a b; do
    "${KM[@]}" bootstrap --bootstrap-username "tempest-user$i$s" --bootstrap-password secret \
      --bootstrap-project-name "tempest-proj$i$s" --bootstrap-role-name member >>"$W/keystone-setup.log" 2>&1 \
      || give_up "keystone-manage bootstrap tempest-user$i$s failed"
    echo "- {username: tempest-user$i$s, project_name: tempest-proj$i$s, password: secret, roles: [member, reader]}" >>"$ACCOUNTS"
  done
done
if ! KS_PORT=$KS_PORT GLANCE_URL=$SVC bash test/setup/start-debian-keystone.sh >>"$W/keystone-setup.log" 2>&1 \
   || ! curl -fsS -o /dev/null "$KS/v3"; then
  tail -20 "$W/keystone-setup.log" >&2; tail -20 "$KS_DIR/log/wsgi.log" >&2; give_up "keystone did not restart"
fi
log "keystone ready on $KS after $(( $(date +%s) - T0 )) s ($(grep -c username "$ACCOUNTS") accounts)"

if [[ $TARGET == glance ]]; then
  ANCHOR=$W/anchor GLANCE_PORT=$SVC_PORT GLANCE_AUTH=keystone GLANCE_SECURE_RBAC=1 GLANCE_FRESH=1 \
    GLANCE_WD_HOSTS=127.0.0.1 KEYSTONE_URL=$KS/v3 GLANCE_SVC_USER=glance GLANCE_SVC_PASSWORD=glance-secret \
    bash "$SHARED/anchor/start-glance.sh" >"$W/glance-start.log" 2>&1 \
    || { tail -20 "$W/glance-start.log" >&2; give_up "the reference Glance did not start"; }
  SVC_PID=$(cat "$W/anchor/glance-api.pid" 2>/dev/null)
fi
if ! wait_ok "$SVC/healthcheck" "$SVC_PID"; then
  tail -30 "$W/service.log" >&2 2>/dev/null; give_up "service did not start"
fi
log "service ready on $SVC ($TARGET, keystone auth) after $(( $(date +%s) - T0 )) s"

# ---- the image web-download fetches ([image] http_image): 1 MiB of random bytes on loopback
head -c 1048576 /dev/urandom >"$W/http/tempest-image.img"
setsid "$PY" -m http.server --bind 127.0.0.1 --directory "$W/http" "$HTTP_PORT" >"$W/http.log" 2>&1 </dev/null &
HTTP_PID=$!
wait_ok "http://127.0.0.1:$HTTP_PORT/tempest-image.img" "$HTTP_PID" || give_up "http.server did not start"

# ---- tempest.conf: stock options, only what this deployment has
cat >"$W/etc-src/tempest.conf" <<CONF
[DEFAULT]
debug = True
log_file = tempest.log

[auth]
use_dynamic_credentials = False
test_accounts_file = $ACCOUNTS
default_credentials_domain_name = Default
create_isolated_networks = False

[identity]
uri_v3 = $KS/v3
auth_version = v3
region = RegionOne
v3_endpoint_type = public

[identity-feature-enabled]
api_v2 = False
api_v3 = True

[image]
catalog_type = image
endpoint_type = publicURL
region = RegionOne
http_image = http://127.0.0.1:$HTTP_PORT/tempest-image.img
build_timeout = 120

[image-feature-enabled]
api_v2 = True
api_v1 = False
import_image = True
os_glance_reserved = True
manage_locations = False

[service_available]
glance = True
nova = False
cinder = False
neutron = False
swift = False
horizon = False
heat = False
placement = False

[network-feature-enabled]
ipv6 = False

[validation]
run_validation = False
CONF
cp "$W/etc-src/tempest.conf" "$RES/tempest.conf"

WS=$W/workspace
mkdir -p "$W/home"
export HOME=$W/home   # tempest init registers the workspace in ~/.tempest; keep it private
if ! tempest init --config-dir "$W/etc-src" --workspace-path "$W/workspace.yaml" --name "tempest-scenario-$$" "$WS" \
     >"$W/tempest-init.log" 2>&1; then
  tail -20 "$W/tempest-init.log" >&2; give_up "tempest init failed"
fi

# ---- the run, without the tests the reference Glance fails too (test/setup/tempest-image-exclude.txt)
EXCLUDE=${TEMPEST_EXCLUDE:-$REPO/test/setup/tempest-image-exclude.txt}
EXCLUDE_ARGS=()
if [[ $EXCLUDE != none ]]; then
  EXCLUDE_ARGS=(--exclude-list "$EXCLUDE")
  log "not run (the reference Glance fails them too, see $(basename "$EXCLUDE")):"
  grep -vE '^\s*(#|$)' "$EXCLUDE" | sed 's/^\^*tempest\\.api\\.image\\./  /; s/\\//g' >&2
fi
log "tempest run --regex '$REGEX' --concurrency $CONCURRENCY (target $TARGET at $SVC)"
T1=$(date +%s)
(cd "$WS" && exec setsid timeout --kill-after=10 "${TEMPEST_TIMEOUT:-540}" \
   tempest run --config-file "$WS/etc/tempest.conf" --regex "$REGEX" "${EXCLUDE_ARGS[@]}" \
     --concurrency "$CONCURRENCY") \
  >"$RES/tempest-run.out" 2>&1 </dev/null &
TEMPEST_PID=$!
wait "$TEMPEST_PID"; RUN_RC=$?
TEMPEST_PID=""
log "tempest run: exit $RUN_RC after $(( $(date +%s) - T1 )) s"
(cd "$WS" && stestr last --subunit >"$RES/tempest.subunit" 2>/dev/null)
cp "$WS/logs/tempest.log" "$RES/tempest.log" 2>/dev/null

echo "==== tempest ($TARGET): $REGEX, concurrency $CONCURRENCY"
if [[ -s $RES/tempest.subunit ]] && "$PY" "$REPO/scripts/tempest-summary.py" "$RES/tempest.subunit" \
     ${SHOW_SKIPS:+--skips} >"$RES/summary.txt" 2>&1; then
  cat "$RES/summary.txt"
  read -r RUN PASSED SKIPPED FAILED < <(tail -1 "$RES/summary.txt" | awk '{gsub(",", ""); print $2, $4, $6, $8}')
else
  log "no subunit results; tail of the tempest output:"; tail -30 "$RES/tempest-run.out" >&2
  RUN=0 PASSED=0 SKIPPED=0 FAILED=0
fi
if ((RUN_RC == 124 || RUN_RC == 137)); then log "tempest timed out"; FAILED=$((FAILED + 1)); fi
if ((RUN_RC != 0 && FAILED == 0)); then
  log "tempest exited $RUN_RC without a failed test; tail of its output:"; tail -15 "$RES/tempest-run.out" >&2
  FAILED=1
fi
if ((RUN == 0)); then FAILED=$((FAILED > 0 ? FAILED : 1)); fi
if [[ $TARGET == self ]] && grep -qiE 'uncaught|unhandled' "$W/service.log"; then
  log "service log mentions uncaught errors:"; grep -iE 'uncaught|unhandled' "$W/service.log" | tail -5 >&2
fi
echo "tempest scenario: $(( $(date +%s) - T0 )) s (tempest $(( $(date +%s) - T1 )) s); results in $RES"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
