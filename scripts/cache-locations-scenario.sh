#!/usr/bin/env bash
# The glance CLI's cache commands (cache-list, cache-queue, cache-delete, cache-clear) and the
# locations API (glance location-add: the legacy PATCH, refused as Glance does with
# show_multiple_locations off; POST/GET /v2/images/{id}/locations with curl: glanceclient 4.1 has no
# command for them) against an endpoint whose GLANCE_CONFIG has image_cache_enabled and lets
# web-download reach 127.0.0.1 (scripts/ci-clients.sh). Prints PASS/FAIL lines and `N passed, N failed`.
# usage: cache-locations-scenario.sh http://127.0.0.1:9292
set -u
URL=${1:?usage: $0 ENDPOINT_URL}; URL=${URL%/}
AT=${ADMIN_TOKEN:-admin:admin,member,reader}
PT=cl$$:member,reader          # a project member
ST=cl$$:member,reader,service  # the same project's user with the service role (Nova's calls)
OT=clother$$:member,reader     # another project
W=$(mktemp -d /tmp/cl-scn.XXXXXX)
HTTP_PID=""
cleanup() { [[ -n $HTTP_PID ]] && kill "$HTTP_PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
mkdir -p "$W/home/.glanceclient" "$W/www"
PASS=0; FAIL=0
G() { local tok=$1; shift; HOME=$W/home glance --os-image-api-version 2 --os-image-url "$URL" --os-auth-token "$tok" "$@" <&-; }
C() { local tok=$1; shift; curl -s --max-time 30 -H "X-Auth-Token: $tok" "$@"; }
ok() { PASS=$((PASS+1)); echo "PASS  $1"; }
bad() { FAIL=$((FAIL+1)); echo "FAIL  $1${2:+ -- $2}"; }
step() { local n=$1; shift; if "$@" >"$W/last" 2>&1; then ok "$n"; else bad "$n" "$(tail -c 300 "$W/last" | tr '\n' ' ')"; fi; }
fails() { local n=$1; shift; if "$@" >"$W/last" 2>&1; then bad "$n" "succeeded"; else ok "$n"; fi; }
has() { if grep -q -- "$2" "$W/last"; then ok "$1"; else bad "$1" "'$2' not in: $(tail -c 300 "$W/last" | tr '\n' ' ')"; fi; }
hasnt() { if grep -q -- "$2" "$W/last"; then bad "$1" "'$2' in output"; else ok "$1"; fi; }
field() { C "$AT" "$URL/v2/images/$1" | jq -r ".$2"; }
# wait_for SECONDS CMD...: until CMD succeeds (every 0.5 s)
wait_for() { local n=$(( $1 * 2 )); shift; for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.5; done; return 1; }

# ---- the cache API (the version document offers 2.14+ when it is on)
step "cache-list (admin)" G "$AT" cache-list
has "cache-list prints the table" "Last Accessed"
fails "cache-list is refused to a project member" G "$PT" cache-list
has "  with 403" "403"

head -c 300000 /dev/urandom >"$W/data.bin"
step "image-create a public image with data" G "$AT" image-create --name "ci-cache-$$" --visibility public --disk-format raw --container-format bare --file "$W/data.bin"
PUB=$(awk -F'|' '$2 ~ /^ id / {gsub(/ /,"",$3); print $3}' "$W/last")
step "cache-queue" G "$AT" cache-queue "$PUB"
hasnt "  no error" "Unable to queue"
cached() { G "$AT" cache-list >"$W/list" 2>&1 && grep "$PUB" "$W/list" | grep -q cached; }
if wait_for 60 cached; then ok "the prefetch job fills the cache (cache-list: cached)"; else bad "the prefetch job fills the cache" "$(tr '\n' ' ' <"$W/list" | tail -c 300)"; fi
grep "$PUB" "$W/list" >"$W/last"; has "  with the image's size" "300000"
step "another project downloads it (from the edge cache)" C "$OT" -f -o "$W/got.bin" "$URL/v2/images/$PUB/file"
if cmp -s "$W/data.bin" "$W/got.bin"; then ok "  the same bytes"; else bad "  the same bytes"; fi
hit() { G "$AT" cache-list >"$W/list" 2>&1 && grep "$PUB" "$W/list" | awk -F'|' '{gsub(/ /,"",$7); print $7}' | grep -qx 1; }
if wait_for 20 hit; then ok "cache-list counts the hit"; else bad "cache-list counts the hit" "$(grep "$PUB" "$W/list")"; fi
step "cache/nodes lists where it is cached" C "$AT" -f "$URL/v2/cache/nodes/$PUB"
has "  the prefetch's location" "queue"
step "cache-delete" G "$AT" cache-delete "$PUB"
step "cache-list after cache-delete" G "$AT" cache-list
hasnt "  the image is gone from the cache" "$PUB"
step "image-create a queued image" G "$AT" image-create --name "ci-cache-queued-$$" --visibility public --disk-format raw --container-format bare
QD=$(awk -F'|' '$2 ~ /^ id / {gsub(/ /,"",$3); print $3}' "$W/last")
G "$AT" cache-queue "$QD" >"$W/last" 2>&1
has "cache-queue of a queued image: 400" "400"
step "cache-queue again" G "$AT" cache-queue "$PUB"
step "cache-clear --target queue" G "$AT" cache-clear --target queue
hasnt "  no error" "Unable"
step "cache-clear (both)" G "$AT" cache-clear
step "cache-list after cache-clear" G "$AT" cache-list
hasnt "  nothing cached or queued" "$PUB"
G "$AT" cache-clear --target bogus >"$W/last" 2>&1
has "cache-clear --target bogus is refused by the client" "invalid choice"
code=$(C "$AT" -o /dev/null -w '%{http_code}' -X DELETE -H "x-image-cache-clear-target: bogus" "$URL/v2/cache")
[[ $code == 400 ]] && ok "DELETE /v2/cache with a bad target: 400" || bad "DELETE /v2/cache with a bad target: 400" "got $code"
code=$(C "$AT" -o "$W/last" -w '%{http_code}' -X POST "$URL/v2/cache/prune")
[[ $code == 200 ]] && ok "POST /v2/cache/prune: 200" || bad "POST /v2/cache/prune: 200" "got $code"
has "  with the totals" "total_bytes_pruned"

# ---- the locations API
cp "$W/data.bin" "$W/www/disk.raw"
HTTP_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$W/www" && exec /usr/bin/python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
HTTP_PID=$!
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/disk.raw" || bad "local http server"
SRC=http://127.0.0.1:$HTTP_PORT/disk.raw
new_image() { G "$PT" image-create --name "ci-loc-$$" --disk-format raw --container-format bare | awk -F'|' '$2 ~ /^ id / {gsub(/ /,"",$3); print $3}'; }
L1=$(new_image)
G "$PT" location-add --url "$SRC" "$L1" >"$W/last" 2>&1
has "location-add (PATCH) is refused: locations are invisible, as in Glance" "not allowed to add locations if locations are invisible"
code=$(C "$PT" -o "$W/last" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "{\"url\": \"$SRC\"}" "$URL/v2/images/$L1/locations")
[[ $code == 403 ]] && ok "POST /locations by a member without an http store: 403" || bad "POST /locations by a member: 403" "got $code"
SHA256=$(sha256sum "$W/data.bin" | cut -d' ' -f1)
code=$(C "$ST" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d "{\"url\": \"$SRC\", \"validation_data\": {\"os_hash_algo\": \"sha256\", \"os_hash_value\": \"$SHA256\"}}" "$URL/v2/images/$L1/locations")
[[ $code == 202 ]] && ok "POST /locations with the service role and validation_data: 202" || bad "POST /locations (service): 202" "got $code"
active() { [[ $(field "$L1" status) == active ]]; }
if wait_for 60 active; then ok "the location_import task makes the image active"; else bad "the location_import task makes the image active" "status $(field "$L1" status)"; fi
[[ $(field "$L1" checksum) == $(md5sum "$W/data.bin" | cut -d' ' -f1) ]] && ok "  checksum computed from the data" || bad "  checksum computed from the data"
[[ $(field "$L1" os_hash_value) == $(sha512sum "$W/data.bin" | cut -d' ' -f1) ]] && ok "  os_hash_value computed from the data" || bad "  os_hash_value computed"
step "image-download gives the same bytes" G "$PT" image-download --file "$W/l1.bin" "$L1"
cmp -s "$W/data.bin" "$W/l1.bin" && ok "  the same bytes" || bad "  the same bytes"
step "GET /locations (admin)" C "$AT" -f "$URL/v2/images/$L1/locations"
has "  an r2:// location of the default store" "r2://store1/images/$L1/"
code=$(C "$PT" -o /dev/null -w '%{http_code}' "$URL/v2/images/$L1/locations")
[[ $code == 403 ]] && ok "GET /locations by a member: 403" || bad "GET /locations by a member: 403" "got $code"
code=$(C "$OT" -o /dev/null -w '%{http_code}' "$URL/v2/images/$L1/locations")
[[ $code == 404 ]] && ok "GET /locations by another project: 404" || bad "GET /locations by another project: 404" "got $code"
step "image-tasks shows the task" G "$AT" image-tasks "$L1"
has "  succeeded" "success"
C "$AT" "$URL/v2/images/$L1/tasks" | jq -r '.tasks[].type' >"$W/last"
has "  a location_import task" "^location_import$"
L2=$(new_image)
code=$(C "$ST" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d "{\"url\": \"$SRC\", \"validation_data\": {\"os_hash_algo\": \"sha256\", \"os_hash_value\": \"$(printf 'ab%.0s' {1..32})\"}}" "$URL/v2/images/$L2/locations")
[[ $code == 202 ]] && ok "POST /locations with wrong validation_data: 202" || bad "POST /locations with wrong validation_data: 202" "got $code"
task_failed() { G "$AT" image-tasks "$L2" >"$W/last" 2>&1 && grep -q failure "$W/last"; }
if wait_for 60 task_failed; then ok "  the task fails"; else bad "  the task fails" "$(tail -c 300 "$W/last")"; fi
has "  with the mismatch" "not matched with actual os_hash_value"
[[ $(field "$L2" status) == queued ]] && ok "  the image is back to queued" || bad "  the image is back to queued" "status $(field "$L2" status)"
step "  and has no location" C "$AT" -f "$URL/v2/images/$L2/locations"
has "  (an empty list)" "^\[\]$"

echo "$PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
