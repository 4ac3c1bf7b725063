#!/usr/bin/env bash
# Local service with everything embedded: local D1 (migrations applied first), R2, Queues and
# Durable Objects, development auth (trusts identity headers; see README). Port: $PORT or 9292.
#   npm start      the built Worker served by scripts/serve.mjs: one workerd listening on the port
#                  (Miniflare's API), no file watcher, no rebuilds, no proxy in front (README
#                  "Local performance"); rebuilt at start only when a source changed.
#   npm run dev    the same state, vars and configs under `wrangler dev` (reloads on change).
# Both keep their state in the same folder layout ($PERSIST_DIR/v3), so either serves it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
PORT=${PORT:-9292}
PERSIST=${PERSIST_DIR:-.wrangler/state}
# Glance's defaults (README "Configuration"). The scenarios that read events back from D1 set
# {"notification_sink":true} themselves: recording every event there doubles a create's CPU.
CONFIG=${GLANCE_CONFIG:-'{}'}
# Refuse to start with a bad configuration, with the reason (the Worker uses the same parser).
MODE=${AUTH_MODE:-development}
VARS=("AUTH_MODE:$MODE" "GLANCE_CONFIG:$CONFIG")
# Other vars and secrets are taken from the environment when set, e.g.
#   AUTH_MODE=keystone KEYSTONE_URL=http://127.0.0.1:5000/v3 KEYSTONE_SERVICE_CREDENTIALS='{...}' npm start
# (local runs only: a deployed Worker gets its secrets from `wrangler secret put`).
for name in STORES POLICY PROPERTY_PROTECTIONS STATIC_TOKENS KEYSTONE_URL KEYSTONE_SERVICE_TOKEN KEYSTONE_SERVICE_CREDENTIALS R2_S3_CREDENTIALS; do
  [[ -n ${!name:-} ]] && VARS+=("$name:${!name}")
done
node scripts/check-config.mjs "${VARS[@]}"
# GLANCE_DATA_API=registry: the registry layer (README): the API Worker without a D1 binding, and the
# registry Worker (wrangler.registry.toml) owning the same local D1 state, bound over RPC.
CONFIGS=(-c wrangler.toml)
MIGRATIONS_CONFIG=wrangler.toml
if [[ ${GLANCE_DATA_API:-direct} == registry ]]; then
  CONFIGS=(-c "$(node scripts/registry-mode-config.mjs .wrangler/registry-mode/wrangler.toml)" -c wrangler.registry.toml)
  MIGRATIONS_CONFIG=wrangler.registry.toml
elif [[ ${GLANCE_DATA_API:-direct} != direct ]]; then
  echo "configuration error: GLANCE_DATA_API must be direct or registry" >&2
  exit 1
fi
wrangler d1 migrations apply DB --local --persist-to "$PERSIST" -c "$MIGRATIONS_CONFIG" >/dev/null
WRANGLER_VARS=()
for v in "${VARS[@]}"; do WRANGLER_VARS+=(--var "$v"); done
if [[ ${1:-} == --dev ]]; then
  shift
  exec wrangler dev "${CONFIGS[@]}" --ip 127.0.0.1 --port "$PORT" --persist-to "$PERSIST" "${WRANGLER_VARS[@]}" \
    --show-interactive-dev-session=false "$@"
fi
node scripts/patch-miniflare.mjs --quiet # the local R2 simulator's 1 MiB reads (no-op once applied)
PLAN=$(node scripts/serve-build.mjs "${CONFIGS[@]}")
# Node sets workerd up through Miniflare, then becomes workerd (scripts/serve.mjs, "hand-off").
exec node --optimize-for-size --max-semi-space-size=1 scripts/serve.mjs --plan "$PLAN" --ip 127.0.0.1 --port "$PORT" --persist-to "$PERSIST" "${WRANGLER_VARS[@]}" "$@"
