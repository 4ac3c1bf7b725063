#!/usr/bin/env bash
# The whole suite inside workerd (vitest + @cloudflare/vitest-plugin).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec vitest run "$@"
