#!/usr/bin/env bash
# The deployable bundle's size against the Workers limits (CI runs it after the typecheck).
# Builds exactly what `wrangler deploy` would upload (`wrangler deploy --dry-run --outdir <tmp>`,
# no network, no credentials) and reports it raw and gzipped:
#   - 3 MB gzipped on Workers Free and 10 MB on Workers Paid: the compressed limits this project
#     budgets against; over 3 MB fails (so the Worker deploys on either plan).
#   - 64 MiB uncompressed: the single limit Cloudflare's docs give since 2026-09-04, when the
#     compressed limits were removed (cloudflare/cloudflare-docs#33241); over it fails too.
# Startup time (1 s to parse and run the global scope) is a separate limit this does not measure.
#   bash scripts/bundle-size.sh [--config wrangler.toml]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export PATH="$PWD/node_modules/.bin:$PATH"

FREE_GZIP=$((3 * 1000 * 1000))      # "3 MB" (Cloudflare's MB; 3 MiB would be 3,145,728)
PAID_GZIP=$((10 * 1000 * 1000))
RAW_LIMIT=$((64 * 1024 * 1024))

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# WRANGLER_LOG=log: wrangler's own "Total Upload: ... / gzip: ..." line, for comparison.
report=$(WRANGLER_LOG=log wrangler deploy --dry-run --outdir "$OUT" "$@" 2>&1) || { echo "$report" >&2; exit 1; }

raw=0 gz=0 files=()
while IFS= read -r -d '' f; do
  files+=("${f#"$OUT"/}")
  raw=$((raw + $(stat -c %s "$f")))
  gz=$((gz + $(gzip -6 -c "$f" | wc -c)))
done < <(find "$OUT" -type f ! -name '*.map' ! -name README.md -print0 | sort -z)

kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }
echo "bundle-size: ${files[*]}"
echo "bundle-size: raw     $raw bytes ($(kib "$raw")), $(pct "$raw" "$RAW_LIMIT") of the 64 MiB uncompressed limit"
echo "bundle-size: gzipped $gz bytes ($(kib "$gz")), $(pct "$gz" "$FREE_GZIP") of 3 MB (Free), $(pct "$gz" "$PAID_GZIP") of 10 MB (Paid)"
grep -o 'Total Upload: .*' <<<"$report" | sed 's/\x1b\[[0-9;]*m//g; s/^/bundle-size: wrangler: /' || true

if ((gz > FREE_GZIP)); then
  echo "bundle-size: FAIL: $(kib "$gz") gzipped is over the Workers Free limit of 3 MB" >&2
  exit 1
fi
if ((raw > RAW_LIMIT)); then
  echo "bundle-size: FAIL: $(kib "$raw") is over the 64 MiB uncompressed Worker size limit" >&2
  exit 1
fi
echo "bundle-size: ok"
