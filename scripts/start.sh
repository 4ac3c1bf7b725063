#!/usr/bin/env bash
# Local service with everything embedded: local D1 (migrations applied first), R2, Queues and
# Durable Objects, development auth (trusts identity headers; see README). Port: $PORT or 9292.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
PORT=${PORT:-9292}
PERSIST=${PERSIST_DIR:-.wrangler/state}
CONFIG=${GLANCE_CONFIG:-'{"notification_sink":true}'}
# Refuse to start with a bad configuration, with the reason (the Worker uses the same parser).
MODE=${AUTH_MODE:-development}
VARS=("AUTH_MODE:$MODE" "GLANCE_CONFIG:$CONFIG")
# Other vars and secrets are taken from the environment when set, e.g.
#   AUTH_MODE=keystone KEYSTONE_URL=http://127.0.0.1:5000/v3 KEYSTONE_SERVICE_CREDENTIALS='{...}' npm start
# (local runs only: a deployed Worker gets its secrets from `wrangler secret put`).
for name in STORES POLICY PROPERTY_PROTECTIONS STATIC_TOKENS KEYSTONE_URL KEYSTONE_SERVICE_TOKEN KEYSTONE_SERVICE_CREDENTIALS; do
  [[ -n ${!name:-} ]] && VARS+=("$name:${!name}")
done
node scripts/check-config.mjs "${VARS[@]}"
wrangler d1 migrations apply DB --local --persist-to "$PERSIST" >/dev/null
WRANGLER_VARS=()
for v in "${VARS[@]}"; do WRANGLER_VARS+=(--var "$v"); done
exec wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$PERSIST" "${WRANGLER_VARS[@]}" \
  --show-interactive-dev-session=false "$@"
