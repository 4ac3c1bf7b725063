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
node scripts/check-config.mjs "AUTH_MODE:$MODE" "GLANCE_CONFIG:$CONFIG"
wrangler d1 migrations apply DB --local --persist-to "$PERSIST" >/dev/null
exec wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$PERSIST" \
  --var "AUTH_MODE:$MODE" --var "GLANCE_CONFIG:$CONFIG" \
  --show-interactive-dev-session=false "$@"
