#!/usr/bin/env bash
# The cost of the registry layer's hop (README "The registry layer"): the same `npm start`, direct
# (D1 in the API Worker) and GLANCE_DATA_API=registry (every repository call one RPC to the registry
# Worker), side by side in one run: list (limit=20 of 100 images), show, create with wrk
# (-t1 -c8, DUR seconds, RUNS runs alternating, medians). Prints a Markdown section on stdout
# (bench/run.sh appends it to BENCHMARKS.md); raw wrk output in $OUT (default a temp folder).
# Env: DUR=10 RUNS=3 CONNS=8
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/lib/service.sh
DUR=${DUR:-10}; RUNS=${RUNS:-3}; CONNS=${CONNS:-8}
OUT=${OUT:-$(mktemp -d /tmp/registry-hop.XXXXXX)}
mkdir -p "$OUT"
PY=/usr/bin/python3
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
TOKEN="hopproj:member,reader"
declare -A URL PID SHOW
cleanup() { for m in "${!PID[@]}"; do stop_group "${PID[$m]}"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

for mode in direct registry; do
  port=$(free_port)
  URL[$mode]=http://127.0.0.1:$port
  GLANCE_DATA_API=$mode PORT=$port PERSIST_DIR="$OUT/$mode-state" setsid npm start >"$OUT/$mode.log" 2>&1 </dev/null &
  PID[$mode]=$!
  wait_ok "${URL[$mode]}/healthcheck" "${PID[$mode]}" || { echo "registry-hop: $mode did not start" >&2; tail -20 "$OUT/$mode.log" >&2; exit 1; }
  for i in $(seq 1 100); do
    curl -s -o /dev/null -X POST "${URL[$mode]}/v2/images" -H "X-Auth-Token: $TOKEN" -H "Content-Type: application/json" -d "{\"name\":\"hop-$i\",\"disk_format\":\"raw\",\"container_format\":\"bare\"}"
  done
  SHOW[$mode]=$(curl -s "${URL[$mode]}/v2/images?limit=1" -H "X-Auth-Token: $TOKEN" | jq -r '.images[0].id')
done
printf 'wrk.headers["X-Auth-Token"] = "%s"\nwrk.headers["Accept"] = "application/json"\n' "$TOKEN" >"$OUT/get.lua"
{ cat "$OUT/get.lua"; printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' "'{\"name\":\"hop-create\",\"disk_format\":\"raw\",\"container_format\":\"bare\"}'"; } >"$OUT/post.lua"

declare -A RPS P50
run() { # run MODE NAME LUA PATH
  local out
  out=$(wrk -t1 -c"$CONNS" -d"${DUR}s" --timeout 10s --latency -s "$3" "${URL[$1]}$4" 2>&1)
  echo "$out" >>"$OUT/$1-$2.txt"
  RPS[$1,$2]+="$(awk '/Requests\/sec/ {print $2}' <<<"$out") "
  P50[$1,$2]+="$(awk '$1 == "50%" {print $2}' <<<"$out") "
}
for ((r = 1; r <= RUNS; r++)); do
  order=(direct registry); ((r % 2 == 0)) && order=(registry direct)
  for m in "${order[@]}"; do run "$m" list "$OUT/get.lua" "/v2/images?limit=20"; done
  for m in "${order[@]}"; do run "$m" show "$OUT/get.lua" "/v2/images/${SHOW[$m]}"; done
  for m in "${order[@]}"; do run "$m" create "$OUT/post.lua" "/v2/images"; done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "n/a")}'; }
echo "## The registry layer's hop (same machine, one run; medians of $RUNS, wrk -t1 -c$CONNS, ${DUR} s)"
echo
echo "| request | direct req/s | registry req/s | registry/direct | direct p50 | registry p50 |"
echo "|---|---:|---:|---:|---:|---:|"
for n in list show create; do
  d=$(median <<<"${RPS[direct,$n]}"); g=$(median <<<"${RPS[registry,$n]}")
  ratio=$(awk -v a="$g" -v b="$d" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  echo "| $n | $d | $g | $ratio | $(median <<<"${P50[direct,$n]}") | $(median <<<"${P50[registry,$n]}") |"
done
echo
echo "Raw output: $OUT"
