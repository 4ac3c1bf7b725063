#!/usr/bin/env bash
# Presigned upload-session parts (README "Large images") against a local S3-compatible server that
# checks AWS Signature Version 4 as R2 does: s3rver (@20minutes/s3rver, see scripts/s3-server/).
# Starts its own S3 servers (one on time, two with their clock ahead for the expiry case) and its
# own service (`npm start` on a free port, R2_S3_CREDENTIALS pointing "endpoint" at the S3 server,
# for this run only), mints part URLs through the service's API, and checks:
#   - a part PUT with the URL and its signed Content-Length is stored, with the part's MD5 as ETag;
#   - a wrong length, every tampered part of the URL (path, each query parameter, method) and an
#     expired URL are refused, and nothing refused leaves a byte on the server;
#   - `glance-upload` sends a whole multi-part upload that way: every part on the S3 server, the
#     session records the server's ETags, the parts reassembled are the file, byte for byte.
# What it cannot show: locally the Worker's R2 binding is miniflare's simulator, not this S3
# server, so `complete` (the binding) never sees these parts and answers 503, as asserted below;
# complete, verify and activation stay covered by the binding-side tests and upload-session-scenario.
# usage: bash scripts/presigned-scenario.sh ; PASS/FAIL lines, then `N passed, N failed`; exit 1 on a failure.
# Env: KEEP_STATE=1 keeps the work folder (logs, S3 data).
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
source scripts/lib/service.sh
source scripts/env.sh
NODE=$REPO/node_modules/.bin/node # the project's Node 24 (s3rver needs >= 24)
T0=$(date +%s)
W=$(mktemp -d /tmp/presigned.XXXXXX)
PASS=0; FAIL=0
ok() { PASS=$((PASS + 1)); echo "PASS  $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL  $1${2:+ -- $2}"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "${WHY:-}"; fi; WHY=; }
log() { echo "[presigned] $*" >&2; }
finish() { echo "timings: ${TIMES[*]}; total $(($(date +%s) - T0)) s"; echo "$PASS passed, $FAIL failed"; exit $((FAIL > 0)); }
TIMES=(); tick=$(date +%s)
lap() { TIMES+=("$1 $(($(date +%s) - tick)) s"); tick=$(date +%s); }
GROUPS_STARTED=()
cleanup() {
  for p in "${GROUPS_STARTED[@]}"; do stop_group "$p"; done
  if [[ ${KEEP_STATE:-0} == 1 ]]; then log "work folder kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
md5() { md5sum "$1" | cut -d' ' -f1; }

# ---- the S3 server: its own small npm project, installed from its lockfile when missing
if [[ ! -f scripts/s3-server/node_modules/@20minutes/s3rver/package.json ]]; then
  PATH="$REPO/node_modules/.bin:$PATH" npm ci --prefix scripts/s3-server --no-audit --no-fund >"$W/npm-ci.log" 2>&1 \
    || { bad "S3 server installed (npm ci in scripts/s3-server)" "$(tail -c 400 "$W/npm-ci.log")"; finish; }
fi
lap "install"
KEY_ID=presigned-ci-$$
SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
S3P=$(free_port); EARLY_P=$(free_port); LATE_P=$(free_port)
start_s3() { # NAME PORT CLOCK_OFFSET_SECONDS
  mkdir -p "$W/$1"
  S3_ACCESS_KEY_ID=$KEY_ID S3_SECRET_ACCESS_KEY=$SECRET CLOCK_OFFSET_SECONDS=$3 \
    setsid "$NODE" scripts/s3-server/server.mjs "$2" "$W/$1" glance-store1,glance-store2 >"$W/$1.log" 2>&1 </dev/null &
  GROUPS_STARTED+=($!)
}
start_s3 s3 "$S3P" 0
start_s3 s3-3540 "$EARLY_P" 3540 # a minute before the URLs' hour is up
start_s3 s3-3601 "$LATE_P" 3601  # a second after
for name in s3 s3-3540 s3-3601; do
  for _ in $(seq 1 120); do grep -q '^s3-server listening' "$W/$name.log" 2>/dev/null && break; sleep 0.25; done
  grep -q '^s3-server listening' "$W/$name.log" || { bad "S3 server $name started" "$(tail -c 400 "$W/$name.log")"; finish; }
done
ok "S3 servers up (s3rver $("$NODE" -p 'require("./scripts/s3-server/node_modules/@20minutes/s3rver/package.json").version'), clocks +0 s, +3540 s, +3601 s)"
lap "s3-servers"

# ---- the service, its R2_S3_CREDENTIALS for this run only
SVC_PORT=$(free_port)
U=http://127.0.0.1:$SVC_PORT
CREDS=$(jq -cn --arg k "$KEY_ID" --arg s "$SECRET" --arg e "http://127.0.0.1:$S3P" \
  '{account_id: "0123456789abcdef0123456789abcdef", access_key_id: $k, secret_access_key: $s, buckets: {store1: "glance-store1"}, endpoint: $e}')
AUTH_MODE=development R2_S3_CREDENTIALS=$CREDS PORT=$SVC_PORT PERSIST_DIR=$W/persist setsid npm start >"$W/service.log" 2>&1 </dev/null &
SVC=$!
GROUPS_STARTED+=("$SVC")
up=0
for _ in $(seq 1 600); do # up to 5 min: a shared 2-core machine has taken over 2 min
  [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$U/healthcheck") == 200 ]] && { up=1; break; }
  kill -0 "$SVC" 2>/dev/null || break
  sleep 0.5
done
((up)) || { bad "service started" "$(tail -c 600 "$W/service.log")"; finish; }
ok "service up on $U with R2_S3_CREDENTIALS (endpoint http://127.0.0.1:$S3P)"
lap "service"

# ---- API and S3 helpers
TOK="presig$$:member,reader"
OTHER="presigother$$:member,reader"
call() { # METHOD PATH [JSON] -> $ST, $BODY (as $TOK, or $AS)
  local args=(-s -o "$W/body" -w '%{http_code}' -X "$1" -H "X-Auth-Token: ${AS:-$TOK}")
  (($# >= 3)) && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  ST=$(curl "${args[@]}" "$U$2"); BODY=$(cat "$W/body")
}
s3() { # METHOD URL FILE [CURL-ARGS...] -> $S3ST (HTTP status), $S3CODE (S3 error code), $S3MSG, $S3ETAG
  local m=$1 url=$2 file=$3; shift 3
  S3ST=$(curl -s -o "$W/s3body" -D "$W/s3head" -w '%{http_code}' -X "$m" -H 'Content-Type:' --data-binary @"$file" "$@" "$url")
  S3CODE=$(sed -n 's:.*<Code>\([^<]*\)</Code>.*:\1:p' "$W/s3body" | head -1)
  S3MSG=$(sed -n 's:.*<Message>\([^<]*\)</Message>.*:\1:p' "$W/s3body" | head -1)
  S3ETAG=$(grep -i '^etag:' "$W/s3head" | tail -1 | tr -d '"\r' | awk '{print $2}')
}
qparam() { sed -E "s/.*[?&]$2=([^&]*).*/\1/" <<<"$1"; } # URL NAME -> raw (encoded) value
stored() { find "$1" -type f -path "*/$2/$3" | head -1; } # S3-DIR UPLOAD-ID PART -> the part's file on the server
snapshot() { (cd "$W/s3" && find . -type f -print0 | sort -z | xargs -0 -r md5sum); }
new_image() { call POST /v2/images "{\"name\":\"$1\",\"disk_format\":\"raw\",\"container_format\":\"bare\"}"; jq -r .id <<<"$BODY"; }
status_of() { call GET "/v2/images/$1"; jq -r .status <<<"$BODY"; }
MiB=$((1024 * 1024))

# ---- A: URLs minted by the service, accepted and refused by the S3 server
SIZE_A=$((12 * MiB + 7)) # parts of 5 MiB, 5 MiB, 2 MiB + 7
head -c "$SIZE_A" /dev/urandom >"$W/a.bin"
head -c $((5 * MiB)) "$W/a.bin" >"$W/a1"
tail -c +$((5 * MiB + 1)) "$W/a.bin" | head -c $((5 * MiB)) >"$W/a2"
tail -c +$((10 * MiB + 1)) "$W/a.bin" >"$W/a3"
IDA=$(new_image presigned-a)
[[ $IDA =~ ^[0-9a-f-]{36}$ ]] || { bad "image created" "create answered: ${IDA:-nothing (no connection?)}"; finish; }
call POST "/v2/images/$IDA/upload-sessions" "{\"size\": $SIZE_A, \"part_size\": $((5 * MiB))}"
SIDA=$(jq -r .id <<<"$BODY")
WHY="$ST $BODY"; check "session offers direct uploads (201, direct_upload, 3 parts)" \
  test "$ST $(jq -r '"\(.direct_upload) \(.part_count)"' <<<"$BODY")" == "201 true 3"
mint() { call POST "/v2/images/$1/upload-sessions/$2/parts/$3/url"; }

mint "$IDA" "$SIDA" 1
URL1=$(jq -r .url <<<"$BODY")
WHY="$ST $BODY"; check "part URL minted: PUT to the S3 endpoint's bucket, Content-Length 5242880 to send" \
  test "$ST $(jq -r '"\(.method) \(.headers["Content-Length"])"' <<<"$BODY") ${URL1%%\?*}" == "200 PUT 5242880 http://127.0.0.1:$S3P/glance-store1/images/$IDA/$SIDA"
AMZ_DATE=$(qparam "$URL1" X-Amz-Date)
SIGNED_AT=$(date -u -d "$(sed -E 's/(....)(..)(..)T(..)(..)(..)Z/\1-\2-\3 \4:\5:\6Z/' <<<"$AMZ_DATE")" +%s)
EXPIRES_AT=$(jq -r .expires_at <<<"$BODY")
WHY="X-Amz-Date $AMZ_DATE, X-Amz-Expires $(qparam "$URL1" X-Amz-Expires), SignedHeaders $(qparam "$URL1" X-Amz-SignedHeaders), expires_at $EXPIRES_AT"
check "URL signs content-length;host for 3600 s, and expires_at = X-Amz-Date + X-Amz-Expires" \
  test "$(qparam "$URL1" X-Amz-Expires) $(qparam "$URL1" X-Amz-SignedHeaders) $(date -u -d "$EXPIRES_AT" +%s) ${EXPIRES_AT: -5}" == "3600 content-length%3Bhost $((SIGNED_AT + 3600)) .000Z"
UPLOAD_ID=$(qparam "$URL1" uploadId)
AS=$OTHER mint "$IDA" "$SIDA" 1
WHY="$ST $BODY"; check "another project cannot mint a part URL (404)" test "$ST" == 404

s3 PUT "$URL1" "$W/a1"
ETAG1=$S3ETAG
WHY="$S3ST $S3CODE $S3MSG"; check "part 1 PUT with the URL: 200, ETag = the part's MD5" test "$S3ST $ETAG1" == "200 $(md5 "$W/a1")"
F=$(stored "$W/s3" "$UPLOAD_ID" 1)
WHY="stored: ${F:-nothing}"; check "part 1 is on the S3 server byte for byte (under the session's upload id)" cmp -s "$W/a1" "${F:-/nonexistent}"

# Refusals: each must be 403 with S3's reason, and none may store or change anything.
BEFORE=$(snapshot)
refused() { # NAME EXPECTED-CODE METHOD URL FILE [CURL-ARGS...]
  local name=$1 want=$2 m=$3 url=$4 file=$5; shift 5
  if [[ $m == PUT && $url == "$URL1" && $file == "$W/a1" && $# -eq 0 ]]; then bad "$name" "the test request is the valid one"; return; fi
  s3 "$m" "$url" "$file" "$@"
  WHY="got $S3ST $S3CODE $S3MSG"; check "refused: $name ($want)" test "$S3ST $S3CODE" == "403 $want"
}
head -c $((5 * MiB + 1)) "$W/a.bin" >"$W/a1+1"
head -c $((5 * MiB - 1)) "$W/a.bin" >"$W/a1-1"
refused "one byte more than the signed Content-Length" SignatureDoesNotMatch PUT "$URL1" "$W/a1+1"
refused "one byte less than the signed Content-Length" SignatureDoesNotMatch PUT "$URL1" "$W/a1-1"
refused "the part sent chunked, without Content-Length" SignatureDoesNotMatch PUT "$URL1" "$W/a1" -H 'Transfer-Encoding: chunked'
tampered() { # NAME EXPECTED-CODE TAMPERED-URL
  if [[ $3 == "$URL1" ]]; then bad "refused: $1" "the tampering did not change the URL"; return; fi
  refused "$1" "$2" PUT "$3" "$W/a1"
}
last=${UPLOAD_ID: -1}; [[ $last == A ]] && other=B || other=A
SIG=$(qparam "$URL1" X-Amz-Signature); s=${SIG: -1}; [[ $s == 0 ]] && s2=1 || s2=0
LATER=$(date -u -d "@$((SIGNED_AT + 3600))" +%Y%m%dT%H%M%SZ)
tampered "path: another object key" SignatureDoesNotMatch "${URL1/"/$SIDA?"//$(cat /proc/sys/kernel/random/uuid)?}"
tampered "path: another bucket" SignatureDoesNotMatch "${URL1/\/glance-store1\///glance-store2/}"
tampered "partNumber changed (1 -> 2)" SignatureDoesNotMatch "${URL1/partNumber=1&/partNumber=2&}"
tampered "partNumber removed" SignatureDoesNotMatch "${URL1/partNumber=1&/}"
tampered "uploadId changed (last character)" SignatureDoesNotMatch "${URL1/"uploadId=$UPLOAD_ID"/uploadId=${UPLOAD_ID%?}$other}"
tampered "X-Amz-Expires lengthened (3600 -> 604800)" SignatureDoesNotMatch "${URL1/X-Amz-Expires=3600/X-Amz-Expires=604800}"
tampered "X-Amz-Date moved an hour later" SignatureDoesNotMatch "${URL1/"X-Amz-Date=$AMZ_DATE"/X-Amz-Date=$LATER}"
tampered "X-Amz-SignedHeaders without content-length" SignatureDoesNotMatch "${URL1/X-Amz-SignedHeaders=content-length%3Bhost/X-Amz-SignedHeaders=host}"
tampered "X-Amz-Credential scope: another region" SignatureDoesNotMatch "${URL1/"%2Fauto%2Fs3%2F"/%2Fus-east-1%2Fs3%2F}"
tampered "X-Amz-Credential: another access key" InvalidAccessKeyId "${URL1/"X-Amz-Credential=$KEY_ID"/X-Amz-Credential=AKIAOTHERKEY}"
tampered "X-Amz-Signature changed (last hex digit)" SignatureDoesNotMatch "${URL1/"X-Amz-Signature=$SIG"/X-Amz-Signature=${SIG%?}$s2}"
tampered "a query parameter added" SignatureDoesNotMatch "$URL1&x-id=UploadPart"
refused "method POST with the URL (CompleteMultipartUpload)" SignatureDoesNotMatch POST "$URL1" "$W/a1"
AFTER=$(snapshot)
WHY="before: $(wc -l <<<"$BEFORE") files, after: $(wc -l <<<"$AFTER")"
check "nothing refused was stored: the S3 server's files are unchanged" test "$BEFORE" == "$AFTER"

# Expiry: a fresh URL sent to servers whose clock is 3540 s and 3601 s ahead. curl --connect-to
# keeps the URL and its signed Host, only the TCP connection goes to the other server.
mint "$IDA" "$SIDA" 2
URL2=$(jq -r .url <<<"$BODY")
s3 PUT "$URL2" "$W/a2" --connect-to "127.0.0.1:$S3P:127.0.0.1:$EARLY_P"
WHY="$S3ST $S3CODE $S3MSG"; check "a URL 59 minutes old is accepted (server clock +3540 s: 200, ETag = MD5)" test "$S3ST $S3ETAG" == "200 $(md5 "$W/a2")"
s3 PUT "$URL2" "$W/a2" --connect-to "127.0.0.1:$S3P:127.0.0.1:$LATE_P"
WHY="$S3ST $S3CODE $S3MSG"; check "refused: a URL past its hour (server clock +3601 s: 403 AccessDenied, Request has expired)" \
  test "$S3ST $S3CODE $S3MSG" == "403 AccessDenied Request has expired"
WHY="$(find "$W/s3-3601" -type f | wc -l) files"; check "the expired PUT stored nothing" test -z "$(find "$W/s3-3601" -type f -path '*uploads*')"

# The service records what the S3 server answered; the last part (an odd length) works the same.
call PUT "/v2/images/$IDA/upload-sessions/$SIDA/parts/1" "{\"etag\": \"\\\"$ETAG1\\\"\"}"
WHY="$ST $BODY"; check "part 1 recorded with the S3 server's ETag (200)" test "$ST $(jq -r .etag <<<"$BODY")" == "200 $ETAG1"
mint "$IDA" "$SIDA" 3
s3 PUT "$(jq -r .url <<<"$BODY")" "$W/a3"
WHY="$S3ST $S3CODE $S3MSG"; check "last part ($(stat -c %s "$W/a3") bytes) PUT with its URL: 200, ETag = MD5, stored" \
  test "$S3ST $S3ETAG $(md5 "$(stored "$W/s3" "$UPLOAD_ID" 3)")" == "200 $(md5 "$W/a3") $(md5 "$W/a3")"
call DELETE "/v2/images/$IDA/upload-sessions/$SIDA"
WHY="$ST $BODY"; check "session aborted (204), image back to queued" test "$ST $(status_of "$IDA")" == "204 queued"
call DELETE "/v2/images/$IDA"
lap "cases"

# ---- B: glance-upload, a whole multi-part upload with presigned parts
SIZE_B=$((23 * MiB + 11)) # 5 parts: 4 x 5 MiB + 3 MiB + 11
head -c "$SIZE_B" /dev/urandom >"$W/b.bin"
IDB=$(new_image presigned-b)
timeout 300 "$NODE" bin/glance-upload.mjs upload "$IDB" "$W/b.bin" --url "$U" --token "$TOK" --part-size 5 --parallel 2 --retries 2 \
  --state-dir "$W/state" --progress-interval 1 >"$W/upload.out" 2>&1
RC=$?
lap "glance-upload"
call GET "/v2/images/$IDB/upload-sessions"
SIDB=$(jq -r '.upload_sessions[0].id' <<<"$BODY")
call GET "/v2/images/$IDB/upload-sessions/$SIDB"
SESSION_B=$BODY
PUTS=$(grep -c "^PUT /glance-store1/images/$IDB/$SIDB 200 " "$W/s3.log")
WHY="$PUTS part PUTs answered 200 by the S3 server; client: $(tail -c 300 "$W/upload.out")"
check "glance-upload sent all 5 parts straight to the S3 server with presigned URLs (5 PUTs, 200)" test "$PUTS" == 5
split -b $((5 * MiB)) -d -a 1 "$W/b.bin" "$W/b.part."
WANT=$(for i in 0 1 2 3 4; do echo "$((i + 1)) $(stat -c %s "$W/b.part.$i") $(md5 "$W/b.part.$i")"; done)
GOT=$(jq -r '.parts[] | "\(.part_number) \(.size) \(.etag)"' <<<"$SESSION_B")
WHY="session parts: $(tr '\n' ';' <<<"$GOT")"; check "the session recorded 5 parts with the S3 server's ETags (each part's MD5)" test "$GOT" == "$WANT"
mint "$IDB" "$SIDB" 1
UPLOAD_B=$(qparam "$(jq -r .url <<<"$BODY")" uploadId)
SHA_B=$(sha512sum "$W/b.bin" | cut -d' ' -f1)
REASSEMBLED=$(for n in 1 2 3 4 5; do cat "$(stored "$W/s3" "$UPLOAD_B" "$n")" 2>/dev/null; done | sha512sum | cut -d' ' -f1)
WHY="sha512 of the parts on the server: ${REASSEMBLED:0:16}..., of the file: ${SHA_B:0:16}..."
check "the 5 parts on the S3 server, reassembled in order, are the file byte for byte (SHA-512)" test "$REASSEMBLED" == "$SHA_B"
# complete assembles through the Worker's R2 binding: locally miniflare's simulator, which never saw
# these parts. With R2, the presigned PUTs and the binding reach the same bucket.
WHY="exit $RC: $(tail -c 300 "$W/upload.out")"
check "complete (the local R2 binding, not the S3 server) answers 503 and glance-upload exits 1, as expected locally" \
  test "$RC $(grep -c 'complete failed (503): The parts could not be assembled' "$W/upload.out")" == "1 1"
call GET "/v2/images/$IDB/upload-sessions/$SIDB"
WHY="$BODY"; check "after the failed complete the session is still uploading with its 5 parts, the image saving" \
  test "$(jq -r '"\(.status) \(.parts | length)"' <<<"$BODY") $(status_of "$IDB")" == "uploading 5 saving"
call DELETE "/v2/images/$IDB/upload-sessions/$SIDB"
WHY="$ST $BODY"; check "session B aborted (204), image back to queued" test "$ST $(status_of "$IDB")" == "204 queued"
call DELETE "/v2/images/$IDB"

if grep -qiE 'uncaught|unhandled|internal server error' "$W/service.log"; then
  bad "service log free of uncaught errors" "$(grep -iE 'uncaught|unhandled|internal server error' "$W/service.log" | tail -3)"
else
  ok "service log free of uncaught errors"
fi
lap "checks"
finish
