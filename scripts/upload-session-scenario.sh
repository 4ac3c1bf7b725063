#!/usr/bin/env bash
# The project's own large-image client (`glance-upload`, upload sessions) against an endpoint:
# a 48 MiB file in 5 MiB parts, cut off by a lost network after the first parts, resumed, verified by SHA-512.
# With PERSIST_DIR (the service's local state folder; ci-clients.sh passes it): PUT /file clients killed
# mid-body leave no blob file (below).
# usage: [PERSIST_DIR=...] upload-session-scenario.sh http://127.0.0.1:9292 ; prints `N passed, N failed`.
set -u
URL=${1:?usage: $0 ENDPOINT_URL}; URL=${URL%/}
cd "$(dirname "$0")/.."
TOK=${TOKEN:-upsess$$:member,reader}
W=$(mktemp -d /tmp/upsess.XXXXXX); trap 'rm -rf "$W"' EXIT
PASS=0; FAIL=0
ok() { PASS=$((PASS+1)); echo "PASS  $1"; }
bad() { FAIL=$((FAIL+1)); echo "FAIL  $1${2:+ -- $2}"; }
field() { curl -s -H "X-Auth-Token: $TOK" "$URL/v2/images/$1" | jq -r ".$2"; }
head -c $((48 * 1024 * 1024)) /dev/urandom > "$W/img.bin"
SHA=$(sha512sum "$W/img.bin" | cut -d' ' -f1)
ID=$(curl -s -X POST -H "X-Auth-Token: $TOK" -H 'Content-Type: application/json' \
  -d '{"name":"ci-upload-session","disk_format":"raw","container_format":"bare"}' "$URL/v2/images" | jq -r .id)
[[ $ID =~ ^[0-9a-f-]{36}$ ]] && ok "image created" || { bad "image created"; echo "$PASS passed, $FAIL failed"; exit 1; }
# An aborted PUT /file leaves no partial blob in the local R2 simulator's folder (needs the service's
# PERSIST_DIR, which ci-clients.sh passes; blob files are PERSIST_DIR/v3/r2/<bucket>/blobs/*): a
# client killed mid-body, chunked (after 20 MiB: one 16 MiB part already in R2's multipart upload)
# and with Content-Length (after 15 MiB of a single streamed put); then the whole upload of the same
# image works and adds exactly one blob file.
if [[ -z ${PERSIST_DIR:-} ]]; then
  echo "SKIP  aborted uploads leave no blob file (PERSIST_DIR, the service's local state folder, not given)"
else
  blobs() { find "$PERSIST_DIR"/v3/r2/*/blobs -type f 2>/dev/null | sort; }
  new_blobs() { comm -13 "$W/blobs0" <(blobs); } # blob files that were not there before
  AB=$(curl -s -X POST -H "X-Auth-Token: $TOK" -H 'Content-Type: application/json' \
    -d '{"name":"ci-aborted-upload","disk_format":"raw","container_format":"bare"}' "$URL/v2/images" | jq -r .id)
  blobs >"$W/blobs0"
  for mode in chunked sized; do
    cut=$((15 << 20)); [[ $mode == chunked ]] && cut=$((20 << 20))
    node scripts/lib/abort-upload.mjs "$URL" "$TOK" "$AB" "$mode" $((40 << 20)) "$cut" >"$W/abort.$mode" 2>&1 & CL=$!
    for _ in $(seq 1 240); do grep -q '^sent' "$W/abort.$mode" && [[ $(field "$AB" status) == saving ]] && break; sleep 0.25; done
    st=$(field "$AB" status)
    for _ in $(seq 1 80); do [[ -n $(new_blobs) ]] && break; sleep 0.25; done # the bytes reached the simulator
    seen=$(new_blobs | wc -l)
    kill -KILL "$CL"; wait "$CL" 2>/dev/null
    [[ $st == saving ]] && ok "$mode: the client is killed mid-body, the upload in progress (saving; $seen blob file(s) written so far)" \
      || bad "$mode: the client is killed mid-body, the upload in progress" "status $st; client: $(tail -c 200 "$W/abort.$mode")"
    for _ in $(seq 1 240); do [[ $(field "$AB" status) == queued ]] && break; sleep 0.25; done
    [[ $(field "$AB" status) == queued ]] && ok "$mode: back to queued" || bad "$mode: back to queued" "status $(field "$AB" status)"
    for _ in $(seq 1 120); do [[ -z $(new_blobs) ]] && break; sleep 0.25; done
    [[ -z $(new_blobs) ]] && ok "$mode: no partial blob file left" || bad "$mode: no partial blob file left" "$(new_blobs | xargs -r du -cb | tail -1)"
  done
  head -c $((40 << 20)) /dev/urandom >"$W/abort.bin"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "X-Auth-Token: $TOK" -H 'Content-Type: application/octet-stream' --data-binary @"$W/abort.bin" "$URL/v2/images/$AB/file")
  for _ in $(seq 1 120); do [[ $(field "$AB" status) == active && $(new_blobs | wc -l) == 1 ]] && break; sleep 0.25; done
  [[ $code == 204 && $(field "$AB" status) == active ]] && ok "then the whole upload works (204, active)" || bad "then the whole upload works" "PUT $code, status $(field "$AB" status)"
  [[ $(new_blobs | wc -l) == 1 && $(new_blobs | xargs -r stat -c %s) == $((40 << 20)) ]] && ok "  exactly one new blob file, of the image's size" \
    || bad "  exactly one new blob file, of the image's size" "$(new_blobs | xargs -r stat -c '%n %s' | tr '\n' ' ')"
  curl -s -X DELETE -H "X-Auth-Token: $TOK" "$URL/v2/images/$AB" >/dev/null
fi
# The first run goes through a proxy that cuts the network after ~12 MiB (a few of the 5 MiB parts)
# and refuses to reconnect, so the client must give up part-way; the second run (the proxy open
# again) must resume from the state file and send only what is missing. A first run that finishes
# anyway is a failure: then the scenario proved nothing about resuming.
PROXY_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
TARGET_PORT=$(sed -E 's#^https?://[^:/]+:?([0-9]*).*#\1#' <<<"$URL"); TARGET_PORT=${TARGET_PORT:-80}
node scripts/lib/cut-proxy.mjs "$PROXY_PORT" "$TARGET_PORT" $((12 * 1024 * 1024)) "$W/open" >"$W/proxy.log" 2>&1 & PROXY=$!
trap 'kill $PROXY 2>/dev/null; rm -rf "$W"' EXIT
for _ in $(seq 1 50); do grep -q cut-proxy "$W/proxy.log" && break; sleep 0.1; done
PURL=http://127.0.0.1:$PROXY_PORT
UP=(npx glance-upload upload "$ID" "$W/img.bin" --url "$PURL" --token "$TOK" --part-size 5 --parallel 1 --retries 2 --state-dir "$W/state" --progress-interval 0.2)
if "${UP[@]}" >"$W/run1" 2>&1; then
  bad "first run cut off by the network" "it completed: nothing was interrupted, so resuming is not proven"
else
  SID=$(curl -s -H "X-Auth-Token: $TOK" "$URL/v2/images/$ID/upload-sessions" | jq -r '.upload_sessions[0].id')
  done1=$(curl -s -H "X-Auth-Token: $TOK" "$URL/v2/images/$ID/upload-sessions/$SID" | jq '.parts | length')
  if [[ $done1 =~ ^[0-9]+$ ]] && ((done1 > 0 && done1 < 10)); then ok "first run cut off after $done1 of 10 parts"; else bad "first run cut off part-way" "parts received: ${done1:-none}"; fi
  touch "$W/open"
  if "${UP[@]}" >"$W/run2" 2>&1; then ok "glance-upload resumes and completes"; else bad "glance-upload resumes and completes" "$(tail -c 300 "$W/run2")"; fi
  grep -qiE 'resum' "$W/run2" && ok "second run says it resumed" || bad "second run says it resumed" "$(head -c 300 "$W/run2")"
fi
for _ in $(seq 1 120); do [[ $(field "$ID" status) == active ]] && break; sleep 0.5; done
[[ $(field "$ID" status) == active ]] && ok "image active" || bad "image active" "status $(field "$ID" status)"
[[ $(field "$ID" os_hash_value) == "$SHA" ]] && ok "os_hash_value is the file's SHA-512" || bad "os_hash_value is the file's SHA-512"
[[ $(field "$ID" size) == $((48 * 1024 * 1024)) ]] && ok "size" || bad "size"
curl -s -H "X-Auth-Token: $TOK" "$URL/v2/images/$ID/file" -o "$W/dl.bin"
[[ $(sha512sum "$W/dl.bin" | cut -d' ' -f1) == "$SHA" ]] && ok "download matches" || bad "download matches"
curl -s -X DELETE -H "X-Auth-Token: $TOK" "$URL/v2/images/$ID" >/dev/null
echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
