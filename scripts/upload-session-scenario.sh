#!/usr/bin/env bash
# The project's own large-image client (`glance-upload`, upload sessions) against an endpoint:
# a 48 MiB file in 5 MiB parts, interrupted after the first parts, resumed, verified by SHA-512.
# usage: upload-session-scenario.sh http://127.0.0.1:9292 ; prints `N passed, N failed`.
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
UP=(npx glance-upload upload "$ID" "$W/img.bin" --url "$URL" --token "$TOK" --part-size 5 --parallel 1 --state-dir "$W/state" --progress-interval 0.2)
# Interrupt the first run once a part is in (its progress lines say "parts N/M"), then resume
# from the state file. On a fast machine the first run may finish first: then there is nothing
# to resume and the second run is skipped.
"${UP[@]}" >"$W/run1" 2>&1 & P=$!
mid=0
for _ in $(seq 1 400); do
  # interrupt only between parts: some done, not all (N/M with 0 < N < M)
  if grep -oE 'parts [0-9]+/[0-9]+' "$W/run1" 2>/dev/null | awk -F'[ /]' '$2 > 0 && $2 < $3 {f=1} END {exit !f}'; then mid=1; break; fi
  kill -0 "$P" 2>/dev/null || break
  sleep 0.05
done
if ((mid)) && kill -9 "$P" 2>/dev/null; then
  wait "$P" 2>/dev/null
  ok "first run interrupted after $(grep -oE 'parts [0-9]+/[0-9]+' "$W/run1" | tail -1)"
  if "${UP[@]}" >"$W/run2" 2>&1; then ok "glance-upload resumes and completes"; else bad "glance-upload resumes and completes" "$(tail -c 300 "$W/run2")"; fi
  grep -qiE 'resum' "$W/run2" && ok "second run says it resumed" || bad "second run says it resumed" "$(head -c 300 "$W/run2")"
else
  wait "$P"; rc=$?
  ((rc == 0)) && ok "glance-upload completed before it could be interrupted" || bad "glance-upload first run" "$(tail -c 300 "$W/run1")"
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
