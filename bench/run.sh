#!/usr/bin/env bash
# npm run bench: this service and the reference Glance side by side, in one sitting.
#
# Starts both (ours with the README's `npm start`, Glance with ../shared/anchor/start-glance.sh,
# secure RBAC), seeds both identically, then measures, interleaving the two servers run by run:
#   list20    GET  /v2/images?limit=20   as a project owning SMALL_N (100) images      wrk req/s p50 p99
#   list20big GET  /v2/images?limit=20   as a project owning BIG_N (100k) images       wrk req/s p50 p99
#   show      GET  /v2/images/{id}                                                      wrk req/s p50 p99
#   create    POST /v2/images            (new queued image per request)                 wrk req/s p50 p99
#   health    GET  /healthcheck          (no auth, no database: each server's HTTP floor) wrk req/s p50 p99
#   const     GET  / of a Worker that answers a constant (bench/const-worker.js), served the way
#             `npm start` serves ours (scripts/serve.mjs): the runtime's own ceiling, ours only
#   put / get PUT and GET /v2/images/{id}/file of SIZE_MB (256) MiB                     curl MiB/s
#   CPU: utime+stime (+ reaped children) of every process of each server's tree from /proc, before
#        and after each measurement: CPU seconds per 1000 requests, per GiB moved
#   peak RSS of each server's process tree, and of each of its processes, over the whole run
#        (sampled every 0.2 s)
#   the byte path's CPU per stage (npm run profile: bench/profile.mjs), unless PROFILE=0
#   the registry layer's hop: list/show/create direct vs GLANCE_DATA_API=registry (bench/registry-hop.sh),
#        unless REGISTRY_HOP=0
# The SMALL_N images go in through the API; the BIG_N ones through SQL (our local D1 with
# `wrangler d1 execute --local`, Glance's SQLite file with bench/seed-glance.py), same rows on both.
# Prints each figure for both servers and the ratio, and writes BENCHMARKS.md (replaced each run).
#
# Env: RUNS=3 DUR=10 CONNS=8 THREADS=1 SIZE_MB=256 SMALL_N=100 BIG_N=100000 WARM=2 (s per endpoint)
#      OUR_PORT=9393 GLANCE_PORT=9292 CONST_PORT=9394 PROFILE=1 REGISTRY_HOP=1 WORKDIR=/tmp/glance-bench (state, payload; wiped per run)
#      BENCH_OUT=<repo>/BENCHMARKS.md  SHARED_DIR=<folder holding anchor/>
# Raw wrk/curl output goes to bench/results/<timestamp>/ (git-ignored).
# Needs: wrk, curl, jq (installed with apt-get when missing), /usr/bin/python3, the npm toolchain.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
export PATH=$REPO/node_modules/.bin:$PATH # the project's Node (npm run does the same)
source scripts/env.sh
source scripts/lib/service.sh

RUNS=${RUNS:-3}; DUR=${DUR:-10}; CONNS=${CONNS:-8}; THREADS=${THREADS:-1}; SIZE_MB=${SIZE_MB:-256}
SMALL_N=${SMALL_N:-100}; BIG_N=${BIG_N:-100000}; WARM=${WARM:-2}
OUR_PORT=${OUR_PORT:-9393}; GLANCE_PORT=${GLANCE_PORT:-9292}; CONST_PORT=${CONST_PORT:-9394}; PROFILE=${PROFILE:-1}; REGISTRY_HOP=${REGISTRY_HOP:-1}
WORKDIR=${WORKDIR:-/tmp/glance-bench}
OUT=${BENCH_OUT:-$REPO/BENCHMARKS.md}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$REPO/bench/results/$STAMP
SHARED=${SHARED_DIR:-$(dirname "$REPO")/shared}
[[ -f $SHARED/anchor/start-glance.sh ]] || SHARED=/work/shared
LIST_TOKEN=benchlist:member,reader     # owns SMALL_N images
BIG_TOKEN=benchbig:member,reader       # owns BIG_N images
CREATE_TOKEN=benchcreate:member,reader # receives the created images (keeps the lists fixed)
DATA_TOKEN=benchdata:member,reader     # owns the SIZE_MB images
SERVERS=(glance ours)
declare -A URL=([ours]=http://127.0.0.1:$OUR_PORT [glance]=http://127.0.0.1:$GLANCE_PORT [const]=http://127.0.0.1:$CONST_PORT)
declare -A ROOT=() SAMPLER=()
GANCHOR=$WORKDIR/anchor
PERSIST=$WORKDIR/ours-state

log() { echo "[bench $(date +%T)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
mkdir -p "$RESULTS" "$WORKDIR"

# ------------------------------------------------------------------------------------ teardown
OUR_PID=""; CONST_PID=""
cleanup() {
  local p
  touch "$RESULTS/stop-sampling"
  for p in "${SAMPLER[@]}"; do kill "$p" 2>/dev/null; done
  [[ -n $OUR_PID ]] && stop_group "$OUR_PID" && log "stopped our service (pgid $OUR_PID)"
  [[ -n $CONST_PID ]] && stop_group "$CONST_PID" && log "stopped the constant Worker (pgid $CONST_PID)"
  ANCHOR=$GANCHOR bash "$SHARED/anchor/stop-glance.sh" >/dev/null 2>&1 && log "stopped glance"
  rm -rf "$PERSIST" "$GANCHOR/images" "$GANCHOR/images2" "$GANCHOR/staging"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------------------------ preflight
for t in wrk curl jq; do
  command -v "$t" >/dev/null || { log "installing $t"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$t" >/dev/null || die "cannot install $t"; }
done
for p in "$OUR_PORT" "$GLANCE_PORT" "$CONST_PORT"; do
  if command -v ss >/dev/null; then busy=$(ss -ltnH "sport = :$p"); else busy=$(curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" && echo y); fi
  [[ -z $busy ]] || die "port $p is in use (set OUR_PORT / GLANCE_PORT)"
done
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
SRC=$WORKDIR/src-${SIZE_MB}M.bin
if [[ ! -f $SRC || $(stat -c %s "$SRC") -ne $((SIZE_MB * 1048576)) ]]; then
  head -c $((SIZE_MB * 1048576)) /dev/urandom >"$SRC"
fi
SRC_SHA=$(sha512sum "$SRC" | cut -d' ' -f1)

# ------------------------------------------------------------------------------------ our service
T0=$(date +%s)
rm -rf "$PERSIST"
npx --no-install wrangler d1 migrations apply DB --local --persist-to "$PERSIST" >"$RESULTS/ours-migrate.log" 2>&1 \
  || die "migrations failed (see $RESULTS/ours-migrate.log)"
cat >"$RESULTS/seed-d1.sql" <<EOF
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $BIG_N)
INSERT INTO images (id, name, disk_format, container_format, status, visibility, min_disk, min_ram, owner,
                    protected, os_hidden, created_at, updated_at, deleted)
SELECT printf('%08x-0000-4000-8000-%012x', i, i), 'bench-big-' || i, 'raw', 'bare', 'queued', 'shared', 0, 0,
       '${BIG_TOKEN%%:*}', 0, 0, strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i, 'unixepoch'), 0
FROM n;
INSERT INTO image_properties (image_id, name, value)
  SELECT id, 'bench_prop', 'v' || substr(name, 11) FROM images WHERE owner = '${BIG_TOKEN%%:*}';
INSERT INTO image_tags (image_id, value) SELECT id, 'bench' FROM images WHERE owner = '${BIG_TOKEN%%:*}';
EOF
s=$(date +%s)
npx --no-install wrangler d1 execute DB --local --persist-to "$PERSIST" --file "$RESULTS/seed-d1.sql" >"$RESULTS/ours-seed.log" 2>&1 \
  || die "D1 seed failed (see $RESULTS/ours-seed.log)"
n=$(WRANGLER_LOG=log npx --no-install wrangler d1 execute DB --local --persist-to "$PERSIST" --json \
      --command "SELECT count(*) AS n FROM images WHERE owner = '${BIG_TOKEN%%:*}'" 2>/dev/null | jq -r '.[0].results[0].n')
[[ $n == "$BIG_N" ]] || die "D1 holds $n seeded images, want $BIG_N"
log "ours: $BIG_N images seeded through SQL in $(( $(date +%s) - s )) s"

PORT=$OUR_PORT PERSIST_DIR=$PERSIST setsid npm start >"$RESULTS/ours-service.log" 2>&1 </dev/null &
OUR_PID=$!; ROOT[ours]=$OUR_PID
wait_ok "${URL[ours]}/v2/images" "$OUR_PID" -H "X-Auth-Token: $LIST_TOKEN" || { tail -30 "$RESULTS/ours-service.log" >&2; die "our service did not start"; }
log "ours: up on ${URL[ours]} (pgid $OUR_PID) after $(( $(date +%s) - T0 )) s"

# The runtime's ceiling: a Worker that answers a constant, served as npm start serves ours.
mkdir -p "$WORKDIR/const"
cp "$REPO/bench/const-worker.js" "$WORKDIR/const/index.js"
jq -n --arg script "$WORKDIR/const/index.js" --arg root "$WORKDIR/const" \
  '[{config: null, name: "const", scriptPath: $script, modulesRoot: $root, options: {compatibilityDate: "2026-10-01", compatibilityFlags: ["nodejs_compat"]}}]' >"$WORKDIR/const/plan.json"
setsid node --optimize-for-size --max-semi-space-size=1 scripts/serve.mjs --plan "$WORKDIR/const/plan.json" --port "$CONST_PORT" \
  --persist-to "$WORKDIR/const/state" >"$RESULTS/const-service.log" 2>&1 </dev/null &
CONST_PID=$!; ROOT[const]=$CONST_PID
wait_ok "${URL[const]}/" "$CONST_PID" || { tail -20 "$RESULTS/const-service.log" >&2; die "the constant Worker did not start"; }

# ------------------------------------------------------------------------------------ glance
ANCHOR=$GANCHOR bash "$SHARED/anchor/stop-glance.sh" >/dev/null 2>&1
ANCHOR=$GANCHOR GLANCE_PORT=$GLANCE_PORT GLANCE_SECURE_RBAC=1 GLANCE_FRESH=1 \
  bash "$SHARED/anchor/start-glance.sh" >"$RESULTS/glance-start.log" 2>&1 || { cat "$RESULTS/glance-start.log" >&2; die "glance did not start"; }
ROOT[glance]=$(cat "$GANCHOR/glance-api.pid")
s=$(date +%s)
n=$(/usr/bin/python3 "$REPO/bench/seed-glance.py" "$GANCHOR/glance.sqlite" "$BIG_N" "${BIG_TOKEN%%:*}") || die "glance seed failed"
[[ $n == "$BIG_N" ]] || die "glance holds $n seeded images, want $BIG_N"
log "glance: up on ${URL[glance]} (pid ${ROOT[glance]}); $BIG_N images seeded through SQL in $(( $(date +%s) - s )) s"

# ------------------------------------------------------------------------------------ API seeding
api() { local tok=$1; shift; curl -sS -f --max-time 60 -H "X-Auth-Token: $tok" "$@"; }
declare -A SHOW_ID=()
for sv in "${SERVERS[@]}"; do
  s=$(date +%s)
  for ((i = 0; i < SMALL_N; i++)); do
    api "$LIST_TOKEN" -X POST -H 'Content-Type: application/json' "${URL[$sv]}/v2/images" \
      -d "{\"name\":\"bench-$i\",\"disk_format\":\"raw\",\"container_format\":\"bare\",\"tags\":[\"bench\"],\"bench_prop\":\"v$i\"}" \
      >/dev/null || die "$sv: seeding image $i through the API failed"
  done
  n=$(api "$LIST_TOKEN" "${URL[$sv]}/v2/images?limit=1000" | jq '.images | length')
  [[ $n == "$SMALL_N" ]] || die "$sv: list shows $n images, want $SMALL_N"
  n=$(api "$BIG_TOKEN" "${URL[$sv]}/v2/images?limit=20" | jq '.images | length')
  [[ $n == 20 ]] || die "$sv: big project's first page has $n images, want 20"
  SHOW_ID[$sv]=$(api "$LIST_TOKEN" "${URL[$sv]}/v2/images?limit=1" | jq -r '.images[0].id')
  log "$sv: $SMALL_N images seeded through the API in $(( $(date +%s) - s )) s"
done

# ------------------------------------------------------------------------------------ RSS sampling
source "$REPO/bench/lib/measure.sh" # tree_rss tree_breakdown proc_rss tree_cpu to_ms mibps per_gib
declare -A START_RSS=()
for sv in "${SERVERS[@]}" const; do
  START_RSS[$sv]=$(tree_rss "${ROOT[$sv]}" | cut -d' ' -f1)
  (
    pt=0; pw=0
    while kill -0 "${ROOT[$sv]}" 2>/dev/null && [[ ! -f $RESULTS/stop-sampling ]]; do
      read -r t w < <(tree_rss "${ROOT[$sv]}")
      ((t > pt)) && pt=$t; ((w > pw)) && pw=$w
      echo "$pt $pw" >"$RESULTS/$sv-peak-rss"
      proc_rss "${ROOT[$sv]}" >>"$RESULTS/$sv-proc-rss"
      sleep 0.2
    done
  ) &
  SAMPLER[$sv]=$!
done

# ------------------------------------------------------------------------------------ wrk
mklua() { # mklua FILE TOKEN [BODY]
  {
    echo "wrk.headers[\"X-Auth-Token\"] = \"$2\""
    echo 'wrk.headers["Accept"] = "application/json"'
    if [[ -n ${3:-} ]]; then
      echo 'wrk.method = "POST"'
      echo 'wrk.headers["Content-Type"] = "application/json"'
      echo "wrk.body = '$3'"
    fi
  } >"$1"; }
mklua "$RESULTS/list.lua" "$LIST_TOKEN"
mklua "$RESULTS/big.lua" "$BIG_TOKEN"
mklua "$RESULTS/create.lua" "$CREATE_TOKEN" '{"name":"bench-create","disk_format":"raw","container_format":"bare"}'
wrk_run() { # wrk_run SERVER NAME LUA PATH [DURATION]
  local sv=$1 name=$2 lua=$3 path=$4 d=${5:-$DUR} out rps p50 p99 non2xx serr c0 c1 n cpk
  c0=$(tree_cpu "${ROOT[$sv]}")
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${d}s" --timeout 10s --latency -s "$lua" "${URL[$sv]}$path" 2>&1)
  [[ -n ${5:-} ]] && return 0 # warm-up
  c1=$(tree_cpu "${ROOT[$sv]}")
  n=$(awk '/requests in/ { print $1 }' <<<"$out")
  cpk=$(awk -v a="$c0" -v b="$c1" -v n="${n:-0}" 'BEGIN { if (n > 0) printf "%.3f\n", (b - a) * 1000 / n; else print "nan" }')
  echo "$out" >>"$RESULTS/$sv-$name.wrk.txt"
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out"); rps=${rps:-nan}
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out" | to_ms); p50=${p50:-nan}
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out" | to_ms); p99=${p99:-nan}
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' <<<"$out"); non2xx=${non2xx:-0}
  serr=$(grep -o 'Socket errors:.*' <<<"$out" || true)
  # no completed request (server stalled longer than the run): not a figure, keep it out of medians
  if [[ $rps == nan ]] || awk -v r="$rps" 'BEGIN { exit !(r + 0 == 0) }'; then rps=nan; p50=nan; p99=nan; cpk=nan; serr="NO REQUEST COMPLETED $serr"; fi
  echo "$rps $p50 $p99 $non2xx $cpk" >>"$RESULTS/$sv-$name"
  log "$sv $name: $rps req/s p50=${p50}ms p99=${p99}ms non2xx=$non2xx cpu=${cpk}s/1000 $serr"
}
put_get() { # put_get SERVER RUN
  local sv=$1 r=$2 id code tt hash
  id=$(api "$DATA_TOKEN" -X POST -H 'Content-Type: application/json' "${URL[$sv]}/v2/images" \
         -d '{"name":"bench-data","disk_format":"raw","container_format":"bare"}' | jq -r .id)
  [[ $id =~ ^[0-9a-f-]{36}$ ]] || { log "$sv: create for upload failed"; echo nan >>"$RESULTS/$sv-put"; echo nan >>"$RESULTS/$sv-get"; return; }
  local c0 c1
  sync # both servers' uploads start with no dirty pages (the kernel's writeback lands on the writer)
  c0=$(tree_cpu "${ROOT[$sv]}")
  read -r code tt < <(curl -sS -o "$RESULTS/$sv-put-body.txt" -w '%{http_code} %{time_total}\n' --max-time 900 -X PUT \
    -H "X-Auth-Token: $DATA_TOKEN" -H 'Content-Type: application/octet-stream' -H 'Expect:' -T "$SRC" "${URL[$sv]}/v2/images/$id/file")
  sleep 0.3; c1=$(tree_cpu "${ROOT[$sv]}") # (the upload's tail: activation, notifications)
  if [[ $code == 204 ]]; then echo "$(mibps $((SIZE_MB * 1048576)) "$tt") $(per_gib "$c0" "$c1")" >>"$RESULTS/$sv-put"
  else log "$sv: PUT returned $code: $(head -c 300 "$RESULTS/$sv-put-body.txt")"; echo nan nan >>"$RESULTS/$sv-put"; fi
  hash=$(api "$DATA_TOKEN" "${URL[$sv]}/v2/images/$id" | jq -r '.os_hash_value // ""')
  [[ $hash == "$SRC_SHA" ]] || log "$sv: os_hash_value after upload does not match the payload"
  c0=$(tree_cpu "${ROOT[$sv]}")
  read -r code tt < <(curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 900 \
    -H "X-Auth-Token: $DATA_TOKEN" "${URL[$sv]}/v2/images/$id/file")
  sleep 0.3; c1=$(tree_cpu "${ROOT[$sv]}")
  if [[ $code == 200 ]]; then echo "$(mibps $((SIZE_MB * 1048576)) "$tt") $(per_gib "$c0" "$c1")" >>"$RESULTS/$sv-get"
  else log "$sv: GET file returned $code"; echo nan nan >>"$RESULTS/$sv-get"; fi
  if ((r == 1)); then # bytes check once, untimed
    hash=$(curl -sS --max-time 900 -H "X-Auth-Token: $DATA_TOKEN" "${URL[$sv]}/v2/images/$id/file" | sha512sum | cut -d' ' -f1)
    if [[ $hash == "$SRC_SHA" ]]; then echo yes >"$RESULTS/$sv-bytes-ok"; else echo NO >"$RESULTS/$sv-bytes-ok"; log "$sv: downloaded bytes differ"; fi
  fi
  log "$sv put=$(tail -1 "$RESULTS/$sv-put") get=$(tail -1 "$RESULTS/$sv-get") (MiB/s, CPU s/GiB)"
  api "$DATA_TOKEN" -X DELETE "${URL[$sv]}/v2/images/$id" >/dev/null || log "$sv: delete of the data image failed"
}

if ((WARM > 0)); then
  for sv in "${SERVERS[@]}"; do
    wrk_run "$sv" warm "$RESULTS/list.lua" "/v2/images?limit=20" "$WARM"
    wrk_run "$sv" warm "$RESULTS/big.lua" "/v2/images?limit=20" "$WARM"
    wrk_run "$sv" warm "$RESULTS/list.lua" "/v2/images/${SHOW_ID[$sv]}" "$WARM"
  done
fi
for ((r = 1; r <= RUNS; r++)); do
  log "---- run $r/$RUNS"
  if ((r % 2)); then order=(glance ours); else order=(ours glance); fi
  for sv in "${order[@]}"; do wrk_run "$sv" list20 "$RESULTS/list.lua" "/v2/images?limit=20"; done
  for sv in "${order[@]}"; do wrk_run "$sv" list20big "$RESULTS/big.lua" "/v2/images?limit=20"; done
  for sv in "${order[@]}"; do wrk_run "$sv" show "$RESULTS/list.lua" "/v2/images/${SHOW_ID[$sv]}"; done
  for sv in "${order[@]}"; do wrk_run "$sv" create "$RESULTS/create.lua" "/v2/images"; done
  for sv in "${order[@]}"; do wrk_run "$sv" health "$RESULTS/list.lua" "/healthcheck"; done
  wrk_run const const "$RESULTS/list.lua" "/"
  for sv in "${order[@]}"; do put_get "$sv" "$r"; done
done
touch "$RESULTS/stop-sampling"; sleep 0.5
declare -A PEAK=() PEAKW=() END_RSS=() BREAKDOWN=() PEAK_BY_PROC=()
for sv in "${SERVERS[@]}" const; do
  kill "${SAMPLER[$sv]}" 2>/dev/null
  read -r PEAK[$sv] PEAKW[$sv] <"$RESULTS/$sv-peak-rss" 2>/dev/null || { PEAK[$sv]=0; PEAKW[$sv]=0; }
  END_RSS[$sv]=$(tree_rss "${ROOT[$sv]}" | cut -d' ' -f1)
  BREAKDOWN[$sv]=$(tree_breakdown "${ROOT[$sv]}")
  # each process's own peak (by pid, labelled by its command), largest first
  PEAK_BY_PROC[$sv]=$(awk '{ p = $1; if ($2 > m[p]) m[p] = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); l[p] = $0 } END { for (p in m) printf "%d %s\n", m[p] / 1024, l[p] }' \
    "$RESULTS/$sv-proc-rss" 2>/dev/null | sort -rn | awk '{ n = $1; $1 = ""; sub(/^ /, ""); printf "%s%s %d MiB", (NR > 1 ? ", " : ""), $0, n }')
done
SAMPLER=()
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# The byte path per stage (its own workerd, after both servers are stopped: nothing else runs).
PROFILE_MD=""
if ((PROFILE)); then
  stop_group "$OUR_PID" && OUR_PID=""; stop_group "$CONST_PID" && CONST_PID=""
  ANCHOR=$GANCHOR bash "$SHARED/anchor/stop-glance.sh" >/dev/null 2>&1
  log "profiling the byte path (npm run profile)"
  if PROFILE_DIR=$WORKDIR/profile SIZE_MB=$SIZE_MB node bench/profile.mjs >"$RESULTS/profile.md" 2>"$RESULTS/profile.log"; then
    PROFILE_MD=$(cat "$RESULTS/profile.md")
  else log "profile failed (see $RESULTS/profile.log)"; fi
fi

# The registry layer's hop (README "The registry layer"): list/show/create against npm start in
# direct mode and with GLANCE_DATA_API=registry, side by side (bench/registry-hop.sh: its own two
# servers, once ours and Glance are stopped).
HOP_MD=""
if ((REGISTRY_HOP)); then
  [[ -n $OUR_PID ]] && stop_group "$OUR_PID" && OUR_PID=""
  [[ -n $CONST_PID ]] && stop_group "$CONST_PID" && CONST_PID=""
  ANCHOR=$GANCHOR bash "$SHARED/anchor/stop-glance.sh" >/dev/null 2>&1
  log "measuring the registry layer's hop (bench/registry-hop.sh)"
  if OUT=$RESULTS/registry-hop RUNS=$RUNS DUR=$DUR CONNS=$CONNS bash bench/registry-hop.sh >"$RESULTS/registry-hop.md" 2>"$RESULTS/registry-hop.log"; then
    HOP_MD=$(cat "$RESULTS/registry-hop.md")
  else log "registry hop failed (see $RESULTS/registry-hop.log)"; fi
fi

# ------------------------------------------------------------------------------------ report
source "$REPO/bench/lib/report.sh"
