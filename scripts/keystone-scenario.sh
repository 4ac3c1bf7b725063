#!/usr/bin/env bash
# Sharing between two projects with real Keystone tokens (issue 4): starts Debian's `keystone`
# (test/setup/start-debian-keystone.sh: projects projA/projB with a member user each, a `glance`
# service user), starts this service in AUTH_MODE=keystone against it, then drives the unmodified
# clients: `openstack image add project` / `image set --accept` / `image remove project`,
# `glance member-create` / `member-update` / `member-list`, plus token checks with curl (401s,
# identity headers ignored, cached tokens through a Keystone outage, 503 for unknown tokens), and
# expired user tokens with X-Service-Token (keystonemiddleware's allow_expired), the expired tokens
# coming from a second keystone on a copy of the first one's database and fernet keys whose tokens
# live KS_SHORT_EXPIRY seconds (the first keystone, which the service asks, validates them).
# Stops both servers (by their process groups); prints `N passed, N failed`; exit 1 on a failure.
# Env: KS_PORT, SVC_PORT (default: free ports)  KEEP_STATE=1 (keep the temp dir with both logs)
#      TARGET=glance: the same scenario against the reference Glance (../shared/anchor/start-glance.sh
#      with GLANCE_AUTH=keystone, i.e. stock keystonemiddleware), for a side-by-side comparison
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
source scripts/lib/service.sh
log() { echo "[keystone-scenario] $*" >&2; }
PY=/usr/bin/python3
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
KS_PORT=${KS_PORT:-$(free_port)}
SVC_PORT=${SVC_PORT:-$(free_port)}
KS=http://127.0.0.1:$KS_PORT
SVC=http://127.0.0.1:$SVC_PORT
W=$(mktemp -d /tmp/keystone-scenario.XXXXXX)
export KS_DIR=$W/keystone

# ---- Debian's keystone (installed here if missing; CI may only have the clients)
if ! installed keystone; then
  log "installing keystone"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends keystone >/dev/null; } \
    || { log "apt-get install keystone failed"; echo "0 passed, 1 failed"; exit 1; }
fi

SVC_PID=""
stop_keystone() { [[ -f $KS_DIR/keystone.pid ]] && stop_group "$(cat "$KS_DIR/keystone.pid")"; }
KS2_DIR=$W/keystone-short
stop_keystone2() { [[ -f $KS2_DIR/keystone.pid ]] && stop_group "$(cat "$KS2_DIR/keystone.pid")"; }
cleanup() {
  [[ -n $SVC_PID ]] && stop_group "$SVC_PID"
  stop_keystone; stop_keystone2
  if [[ ${KEEP_STATE:-0} == 1 ]]; then log "state kept in $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$(date +%s)
if ! KS_PORT=$KS_PORT GLANCE_URL=$SVC bash test/setup/start-debian-keystone.sh >"$W/keystone-setup.log" 2>&1 \
   || ! curl -fsS -o /dev/null "$KS/v3"; then
  log "keystone did not start; log tail:"; tail -20 "$W/keystone-setup.log" >&2; tail -20 "$KS_DIR/log/wsgi.log" >&2
  echo "0 passed, 1 failed"; exit 1
fi
log "keystone ready on $KS after $(( $(date +%s) - T0 )) s"
# The second keystone (short-lived tokens) starts in the background while the service starts.
KS2_PORT=$(free_port); KS2=http://127.0.0.1:$KS2_PORT; KS_SHORT_EXPIRY=${KS_SHORT_EXPIRY:-12}
mkdir -p "$KS2_DIR" && cp -r "$KS_DIR/fernet" "$KS_DIR/credential" "$KS2_DIR/" \
  && "$PY" -c 'import sqlite3, sys; d = sqlite3.connect(sys.argv[2]); sqlite3.connect(sys.argv[1]).backup(d); d.close()' \
       "$KS_DIR/keystone.sqlite" "$KS2_DIR/keystone.sqlite" \
  && touch "$KS2_DIR/.bootstrapped" \
  && { KS_DIR=$KS2_DIR KS_PORT=$KS2_PORT KS_TOKEN_EXPIRATION=$KS_SHORT_EXPIRY GLANCE_URL=$SVC \
         bash test/setup/start-debian-keystone.sh >"$W/keystone-short-setup.log" 2>&1 & }

# ---- the service, validating tokens with the `glance` service user
if [[ ${TARGET:-self} == glance ]]; then
  SHARED=${SHARED_DIR:-$(dirname "$REPO")/shared}; [[ -d $SHARED/anchor ]] || SHARED=/work/shared
  ANCHOR=$W/anchor GLANCE_PORT=$SVC_PORT GLANCE_AUTH=keystone GLANCE_SECURE_RBAC=1 GLANCE_FRESH=1 \
    KEYSTONE_URL=$KS/v3 GLANCE_SVC_USER=glance GLANCE_SVC_PASSWORD=glance-secret \
    bash "$SHARED/anchor/start-glance.sh" >"$W/service.log" 2>&1
  SVC_PID=$(cat "$W/anchor/glance-api.pid" 2>/dev/null)
  cp /dev/null "$W/service.log"  # Glance logs to $W/anchor/log; the uncaught-error check below is ours
else
  AUTH_MODE=keystone KEYSTONE_URL=$KS/v3 \
    KEYSTONE_SERVICE_CREDENTIALS='{"username":"glance","password":"glance-secret","project_name":"service"}' \
    GLANCE_CONFIG='{"notification_sink":true}' PORT=$SVC_PORT PERSIST_DIR=$W/persist \
    setsid npm start >"$W/service.log" 2>&1 </dev/null &
  SVC_PID=$!
fi
if ! wait_ok "$SVC/healthcheck" "$SVC_PID"; then
  log "service did not start; log tail:"; tail -30 "$W/service.log" >&2
  echo "0 passed, 1 failed"; exit 1
fi
log "service ready on $SVC (${TARGET:-self}, keystone auth)"

# ---- clients: every command authenticates against Keystone and finds the image endpoint in its catalog
PASS=0; FAIL=0
ok() { PASS=$((PASS+1)); echo "PASS  $1"; }
bad() { FAIL=$((FAIL+1)); echo "FAIL  $1${2:+ -- $2}"; }
step() { local n=$1; shift; if "$@" >"$W/last" 2>&1; then ok "$n"; else bad "$n" "$(tail -c 300 "$W/last" | tr '\n' ' ')"; fi; }
refused() { # refused NAME REGEX CMD...: the command fails, saying why (REGEX, e.g. the HTTP code)
  local n=$1 why=$2; shift 2
  if "$@" >"$W/last" 2>&1; then bad "$n" "the command succeeded"
  elif grep -qiE -- "$why" "$W/last"; then ok "$n"
  else bad "$n" "failed, but not with /$why/: $(tail -c 300 "$W/last" | tr '\n' ' ')"; fi
}
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n" "$(tail -c 300 "$W/last" | tr '\n' ' ')"; fi; }
as() { # as USER CMD...: run a client as user-projA, user-projB or admin
  local user=$1 project=$1; shift
  case $user in user-projA) project=projA ;; user-projB) project=projB ;; admin) project=admin ;; esac
  mkdir -p "$W/home"
  env HOME="$W/home" OS_AUTH_URL="$KS/v3" OS_IDENTITY_API_VERSION=3 OS_IMAGE_API_VERSION=2 \
    OS_USERNAME="$user" OS_PASSWORD=secret OS_PROJECT_NAME="$project" \
    OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_INTERFACE=public OS_REGION_NAME=RegionOne \
    "$@" </dev/null
}
A() { as user-projA openstack "$@"; }
B() { as user-projB openstack "$@"; }
NOTFOUND='404|not found|No Image'; FORBIDDEN='403|Forbidden'
code() { curl -s -o "$W/body" -w '%{http_code}' "$@"; } # code CURL-ARGS...: the status, the body in $W/body

PA=$(as admin openstack project show projA -f value -c id 2>"$W/last")
PB=$(as admin openstack project show projB -f value -c id 2>>"$W/last")
check "keystone knows projA and projB" test -n "$PA" -a -n "$PB"
TA=$(A token issue -f value -c id 2>"$W/last")
check "user-projA gets a token" test -n "$TA"

# tokens: what the service accepts
check "no token -> 401 with WWW-Authenticate" \
  test "$(curl -s -o /dev/null -D "$W/hdr" -w '%{http_code}' "$SVC/v2/images")" = 401 -a -n "$(grep -i '^www-authenticate: keystone' "$W/hdr")"
check "an unknown token -> 401" test "$(code -H 'X-Auth-Token: not-a-token' "$SVC/v2/images")" = 401
check "projA's token lists images (200)" test "$(code -H "X-Auth-Token: $TA" "$SVC/v2/images")" = 200

# expired tokens, part 1: a token from the second keystone, used while it is valid
ks_token() { # ks_token KEYSTONE_URL USER PASSWORD PROJECT: a project-scoped token (empty on failure)
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' "$1/v3/auth/tokens?nocatalog" -d "$(jq -cn --arg u "$2" --arg p "$3" --arg s "$4" \
    '{auth: {identity: {methods: ["password"], password: {user: {name: $u, domain: {id: "default"}, password: $p}}}, scope: {project: {name: $s, domain: {id: "default"}}}}}')" \
    | tr -d '\r' | awk 'tolower($1) == "x-subject-token:" {print $2}'
}
IMG3=$(curl -s -X POST -H "X-Auth-Token: $TA" -H 'Content-Type: application/json' \
  -d '{"name":"ks-expiry","disk_format":"raw","container_format":"bare"}' "$SVC/v2/images" | jq -r '.id // empty')
check "projA: an image for the expired-token checks" test -n "$IMG3"
for _ in $(seq 1 120); do curl -fsS -o /dev/null --max-time 2 "$KS2/v3" 2>/dev/null && break; sleep 0.5; done
SHORT=$(ks_token "$KS2" user-projA secret projA)
check "keystone #2 (expiration = $KS_SHORT_EXPIRY s) issues user-projA a token" test -n "$SHORT"
check "  the service takes it while it is valid (200)" test "$(code -H "X-Auth-Token: $SHORT" "$SVC/v2/images/$IMG3")" = 200
stop_keystone2

# openstack: share an image from projA with projB
head -c 3000000 /dev/urandom >"$W/data"
IMG=$(A image create ks-shared --disk-format raw --container-format bare --shared --file "$W/data" -f value -c id 2>"$W/last")
check "projA: openstack image create --shared --file" test -n "$IMG"
step "projA: image is active and owned by projA" A image show "$IMG" -f json
check "  owner is projA's id, status active" \
  test "$(jq -r '.owner + " " + .status' "$W/last" 2>/dev/null)" = "$PA active"
refused "projB cannot see it before it is shared" "$NOTFOUND" B image show "$IMG"
check "identity headers are ignored (projB token + X-Project-Id/X-Roles of projA admin -> 404)" \
  test "$(code -H "X-Auth-Token: $(B token issue -f value -c id)" -H "X-Project-Id: $PA" -H 'X-Roles: admin,member,reader' "$SVC/v2/images/$IMG")" = 404
step "projA: openstack image add project <projB id>" A image add project "$IMG" "$PB" -f json
check "  member projB is pending" test "$(jq -r '.status' "$W/last" 2>/dev/null)" = pending
step "projB: openstack image list (pending share not listed by default)" B image list -f value -c ID
check "  not in projB's default list" bash -c "! grep -qx '$IMG' '$W/last'"
step "projB: openstack image list --member-status pending" B image list --shared --member-status pending -f value -c ID
check "  listed as pending" grep -qx "$IMG" "$W/last"
refused "projB cannot add members to projA's image" "$FORBIDDEN" B image add project "$IMG" "$PB"
step "projB: openstack image set --accept" B image set --accept "$IMG"
step "projB: openstack image member list (its own row)" B image member list "$IMG" -f json
check "  projB accepted" test "$(jq -r '[.[] | .["Member ID"] + ":" + .Status] | join(",")' "$W/last" 2>/dev/null)" = "$PB:accepted"
step "projB: openstack image list now shows it" B image list -f value -c ID
check "  in projB's default list" grep -qx "$IMG" "$W/last"
step "projB: openstack image save" B image save --file "$W/out" "$IMG"
check "  the bytes round-trip" cmp -s "$W/data" "$W/out"
refused "projB cannot delete projA's image" "$FORBIDDEN" B image delete "$IMG"
refused "projB cannot rename projA's image" "$FORBIDDEN" B image set --name stolen "$IMG"
step "projA: openstack image member list" A image member list "$IMG" -f json
check "  projA sees projB accepted" grep -q "\"$PB\"" "$W/last"
step "projA: openstack image remove project" A image remove project "$IMG" "$PB"
refused "projB no longer sees it" "$NOTFOUND" B image show "$IMG"

# glance CLI: the same flow with member-create / member-update / member-list
IMG2=$(as user-projA glance image-create --name ks-glance --disk-format raw --container-format bare --visibility shared 2>"$W/last" | awk '$2 == "id" {print $4}')
check "projA: glance image-create --visibility shared" test -n "$IMG2"
step "projA: glance member-create" as user-projA glance member-create "$IMG2" "$PB"
check "  pending" grep -q pending "$W/last"
refused "projA cannot accept on projB's behalf (glance member-update)" "$FORBIDDEN" as user-projA glance member-update "$IMG2" "$PB" accepted
step "projB: glance member-update accepted" as user-projB glance member-update "$IMG2" "$PB" accepted
step "projA: glance member-list" as user-projA glance member-list --image-id "$IMG2"
check "  projB accepted" grep -q "$PB.*accepted" "$W/last"
step "projB: glance image-show" as user-projB glance image-show "$IMG2"
step "projB: glance member-update rejected" as user-projB glance member-update "$IMG2" "$PB" rejected
step "projB: glance image-list" as user-projB glance image-list
check "  a rejected share is not listed" bash -c "! grep -q '$IMG2' '$W/last'"
step "projA: glance member-delete" as user-projA glance member-delete "$IMG2" "$PB"
refused "projB cannot see it after member-delete" "$NOTFOUND" as user-projB glance image-show "$IMG2"
step "projA: openstack image delete (both images)" A image delete "$IMG" "$IMG2"

# expired tokens, part 2 (the sharing above took longer than the short token's life): Keystone
# itself, asked by the `glance` service user, must call it expired before the service is asked.
GT=$(ks_token "$KS" glance glance-secret service)   # role `service` (service_token_roles)
NT=$(ks_token "$KS" user-projB secret projB)        # valid, but no service role
check "service user and a plain user get tokens" test -n "$GT" -a -n "$NT"
ks_says() { curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $GT" -H "X-Subject-Token: $SHORT" "$KS/v3/auth/tokens${1:-}"; }
for _ in $(seq 1 120); do [[ $(ks_says) == 404 ]] && break; sleep 0.5; done
check "keystone: the short token has expired (404)" test "$(ks_says)" = 404
check "keystone: and still vouches for it with ?allow_expired=1 (200)" test "$(ks_says '?allow_expired=1')" = 200
check "expired user token alone -> 401" test "$(code -H "X-Auth-Token: $SHORT" "$SVC/v2/images/$IMG3")" = 401
check "  with a Glance-shaped body" grep -q "401 Unauthorized" "$W/body"
check "expired user token + X-Service-Token of the service user -> 200" \
  test "$(code -H "X-Auth-Token: $SHORT" -H "X-Service-Token: $GT" "$SVC/v2/images/$IMG3")" = 200
check "  as the user: projA's image" test "$(jq -r .owner "$W/body" 2>/dev/null)" = "$PA"
head -c 4096 /dev/urandom >"$W/small"
check "expired user token + service token uploads the image data (204, as Nova finishing a snapshot)" \
  test "$(code -X PUT -H "X-Auth-Token: $SHORT" -H "X-Service-Token: $GT" -H 'Content-Type: application/octet-stream' --data-binary @"$W/small" "$SVC/v2/images/$IMG3/file")" = 204
check "  the image is active with those bytes" \
  test "$(code -H "X-Auth-Token: $TA" "$SVC/v2/images/$IMG3")" = 200 -a "$(jq -r '.status + " " + (.size|tostring)' "$W/body" 2>/dev/null)" = "active 4096"
check "expired user token + X-Service-Token of a user without the service role -> 401" \
  test "$(code -H "X-Auth-Token: $SHORT" -H "X-Service-Token: $NT" "$SVC/v2/images/$IMG3")" = 401
check "expired user token + an invalid X-Service-Token -> 401" \
  test "$(code -H "X-Auth-Token: $SHORT" -H "X-Service-Token: not-a-token" "$SVC/v2/images/$IMG3")" = 401
# Glance's paste pipeline runs keystonemiddleware with delay_auth_decision = true and its context
# middleware looks at X-Identity-Status only: an invalid service token does not refuse a valid user.
check "a valid user token + an invalid X-Service-Token -> 200 (as Glance: the user token decides)" \
  test "$(code -H "X-Auth-Token: $TA" -H "X-Service-Token: not-a-token" "$SVC/v2/images/$IMG3")" = 200
check "projA deletes the image (204)" test "$(code -X DELETE -H "X-Auth-Token: $TA" "$SVC/v2/images/$IMG3")" = 204

# Keystone goes away: tokens already validated stay valid from the cache; anything else is 503, never let in
TB=$(B token issue -f value -c id 2>"$W/last")
check "user-projB gets a token (not yet seen by the service)" test -n "$TB"
stop_keystone
check "keystone stopped" bash -c "! curl -s -o /dev/null --max-time 2 '$KS/v3'"
check "a cached token still works while Keystone is down (200)" test "$(code -H "X-Auth-Token: $TA" "$SVC/v2/images")" = 200
# The spec (and this service) answer 503; Glance's stock paste pipeline runs keystonemiddleware with
# delay_auth_decision=true, which turns the outage into an invalid token and so a 401. Both refuse.
if [[ ${TARGET:-self} == glance ]]; then OUTAGE="401 Unauthorized"; else OUTAGE="503 Service Unavailable"; fi
check "an unvalidated token while Keystone is down -> ${OUTAGE%% *} (not let in)" \
  test "$(code -H "X-Auth-Token: $TB" "$SVC/v2/images")" = "${OUTAGE%% *}"
check "  with a Glance-shaped body" grep -q "$OUTAGE" "$W/body"

if grep -qiE 'uncaught|unhandled' "$W/service.log"; then bad "service log has no uncaught errors" "$(grep -iE 'uncaught|unhandled' "$W/service.log" | tail -3)"; fi
echo "keystone scenario: $(( $(date +%s) - T0 )) s"
echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
