#!/usr/bin/env bash
# Starts Debian's real Keystone (package `keystone`, 2:22 "Zed") on 127.0.0.1:$KS_PORT with a
# private sqlite database and fernet keys under $KS_DIR, bootstraps an admin, a `glance` service
# user (role service in project `service`), and projects projA, projB with a member user each; then prints
# the vars that run this service in AUTH_MODE=keystone against it.
#   sudo apt-get install -y --no-install-recommends keystone   # once (no systemd needed)
#   KS_PORT=5000 GLANCE_URL=http://127.0.0.1:9292 bash test/setup/start-debian-keystone.sh
# KS_TOKEN_EXPIRATION: [token] expiration in seconds (3600; the keystone scenario runs a second
# instance with a few seconds to get expired tokens).
# Stop: kill $(cat $KS_DIR/keystone.pid)
set -euo pipefail
KS_DIR=${KS_DIR:-/tmp/keystone-local}
KS_PORT=${KS_PORT:-5000}
URL="http://127.0.0.1:${KS_PORT}"
PW=${KS_PASSWORD:-secret}
GLANCE_URL=${GLANCE_URL:-http://127.0.0.1:9292}   # the image endpoint put in the catalog
mkdir -p "$KS_DIR"/{fernet,credential,log}
cat > "$KS_DIR/keystone.conf" <<CONF
[DEFAULT]
log_file = $KS_DIR/log/keystone.log
[database]
connection = sqlite:///$KS_DIR/keystone.sqlite?timeout=60
[fernet_tokens]
key_repository = $KS_DIR/fernet
[fernet_receipts]
key_repository = $KS_DIR/fernet
[credential]
key_repository = $KS_DIR/credential
[token]
expiration = ${KS_TOKEN_EXPIRATION:-3600}
[identity]
password_hash_rounds = 4
CONF
export OS_KEYSTONE_CONFIG_FILES="$KS_DIR/keystone.conf"
KM="keystone-manage --config-file $KS_DIR/keystone.conf"
if [[ ! -f $KS_DIR/.bootstrapped ]]; then
  $KM db_sync
  $KM fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  $KM credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  $KM bootstrap --bootstrap-password "$PW" --bootstrap-admin-url "$URL/v3" --bootstrap-public-url "$URL/v3" \
    --bootstrap-internal-url "$URL/v3" --bootstrap-region-id RegionOne
  # Users and projects are made by more bootstraps, with the server stopped: through the API,
  # this sqlite-backed single-process server deadlocks ("database is locked") on the first write
  # after issuing a token. Token issue and validation (all Glance needs) work fine.
  $KM bootstrap --bootstrap-username glance --bootstrap-password glance-secret \
    --bootstrap-project-name service --bootstrap-role-name service
  for p in projA projB; do
    $KM bootstrap --bootstrap-username "user-$p" --bootstrap-password "$PW" \
      --bootstrap-project-name "$p" --bootstrap-role-name member   # member implies reader
  done
  # The image service in the catalog (openstack CLI finds this service through it); written
  # straight into the database for the same reason.
  python3 - "$KS_DIR/keystone.sqlite" "$GLANCE_URL" <<'PY'
import json, sqlite3, sys, uuid
db = sqlite3.connect(sys.argv[1])
sid = uuid.uuid4().hex
db.execute("INSERT INTO service (id, type, enabled, extra) VALUES (?, 'image', 1, ?)", (sid, json.dumps({"name": "glance"})))
for iface in ("public", "internal", "admin"):
    db.execute("INSERT INTO endpoint (id, interface, service_id, url, extra, enabled, region_id) VALUES (?, ?, ?, ?, '{}', 1, 'RegionOne')",
               (uuid.uuid4().hex, iface, sid, sys.argv[2]))
db.commit()
PY
  touch "$KS_DIR/.bootstrapped"
fi
if [[ -f $KS_DIR/keystone.pid ]] && kill -0 "$(cat "$KS_DIR/keystone.pid")" 2>/dev/null; then
  echo "keystone already running (pid $(cat "$KS_DIR/keystone.pid"))"
else
  setsid nohup keystone-wsgi-public --host 127.0.0.1 --port "$KS_PORT" >"$KS_DIR/log/wsgi.log" 2>&1 < /dev/null &
  echo $! > "$KS_DIR/keystone.pid"
  for _ in $(seq 1 60); do curl -fsS -o /dev/null "$URL/v3" 2>/dev/null && break; sleep 0.5; done
fi
cat <<OUT
keystone at $URL/v3 (admin/$PW; users user-projA, user-projB / $PW)
run this service against it:
  AUTH_MODE=keystone KEYSTONE_URL=$URL/v3 KEYSTONE_SERVICE_CREDENTIALS='{"username":"glance","password":"glance-secret","project_name":"service"}' npm start
OUT
