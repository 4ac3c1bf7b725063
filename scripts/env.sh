# Sourced by scripts that call wrangler: no telemetry, no cf.json download, no banner.
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_HIDE_BANNER=true
export WRANGLER_LOG=${WRANGLER_LOG:-warn}
