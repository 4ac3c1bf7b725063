# shellcheck shell=bash
# The report of bench/run.sh (sourced by it at the end, not run alone): medians and ratios of the
# figures in $RESULTS, the machine and versions, then BENCHMARKS.md written to $RESULTS and copied
# to $OUT (hand-written notes below its <!-- notes --> marker kept).

median() { # median FILE COLUMN (nan-free values only)
  [[ -f $1 ]] || { echo nan; return; }
  awk -v c="$2" '$c != "nan" && $c != "" { print $c }' "$1" | sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit } if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
allv() { [[ -f $1 ]] && awk -v c="$2" '{ printf "%s%s", (NR > 1 ? ", " : ""), $c }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || a == "nan" || b == "nan") print "n/a"; else print ((a + 0 >= b + 0) ? "yes" : "**no**") }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || a == "nan" || b == "nan") print "n/a"; else print ((a + 0 <= b + 0) ? "yes" : "**no**") }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan") print "n/a"; else print ((a + 0 < b + 0) ? "yes" : "**no**") }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
M() { median "$RESULTS/$1" "$2"; }

NODE_V=$(node -v 2>/dev/null)
WRANGLER_V=$(jq -r .version node_modules/wrangler/package.json 2>/dev/null)
MINIFLARE_V=$(jq -r .version node_modules/miniflare/package.json 2>/dev/null)
WORKERD_V=$(jq -r .version node_modules/workerd/package.json 2>/dev/null)
PATCHED=$(node scripts/patch-miniflare.mjs --check 2>/dev/null | sed 's/.*: //')
GLANCE_V=$(dpkg-query -W -f='${Version}' glance-api 2>/dev/null)
CPU=$(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }')
MEM=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
. /etc/os-release
SMOKE=""
if ((RUNS < 3 || DUR < 10 || SIZE_MB < 256 || BIG_N < 100000 || SMALL_N != 100)); then
  SMOKE="> **Reduced settings** (smoke run): figures are not comparable with a full run."
fi
declare -A LABEL=([list20]="list limit=20 of $SMALL_N" [list20big]="list limit=20 of $BIG_N" [show]="show" [create]="create" [health]="healthcheck (no auth, no database)")
GIB=$(awk -v mb="$SIZE_MB" 'BEGIN { printf "%.2f", mb / 1024 }')

{
  echo "# Benchmarks: this service vs the reference Glance"
  echo
  echo "Written by \`npm run bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'); replaced by each run."
  [[ -n $SMOKE ]] && { echo; echo "$SMOKE"; }
  echo
  echo "## Machine and settings"
  echo
  echo "- Machine: $(nproc) vCPU ($CPU), $MEM RAM, $PRETTY_NAME, Linux $(uname -r)"
  echo "- Load average (1/5/15 min) at start: $LOAD_START; at end: $LOAD_END"
  echo "- Ours: \`npm start\` = scripts/serve.mjs: the built Worker in one workerd $WORKERD_V, set up by Miniflare $MINIFLARE_V then running alone (wrangler $WRANGLER_V builds it; Node $NODE_V), local D1/R2/Queues/DOs, R2 simulator patch: $PATCHED, development auth, port $OUR_PORT"
  echo "- Glance: Debian glance-api $GLANCE_V via start-glance.sh (GLANCE_SECURE_RBAC=1, 2 workers, SQLite, file store), port $GLANCE_PORT"
  echo "- Constant Worker: bench/const-worker.js (\`new Response(\"ok\")\`) served by scripts/serve.mjs as \`npm start\` serves ours, port $CONST_PORT"
  echo "- Load: wrk -t$THREADS -c$CONNS, ${DUR} s per measurement, $RUNS runs (servers interleaved, order alternating), medians reported; ${WARM} s warm-up per GET endpoint"
  echo "- Data: curl PUT then GET (to /dev/null) of $SIZE_MB MiB per run; list: $SMALL_N images (API-seeded) and $BIG_N images (SQL-seeded) in the caller's project"
  echo "- CPU: utime+stime of every process of a server's tree (and of children it reaped) from /proc, before and after each measurement; per 1000 requests, or per GiB moved"
  echo
  echo "## Requests (median of $RUNS)"
  echo
  echo "| endpoint | Glance req/s | ours req/s | ratio ours/Glance | Glance p50 / p99 ms | ours p50 / p99 ms | Glance CPU s per 1000 req | ours CPU s per 1000 req | non-2xx G/ours |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for m in list20 list20big show create health; do
    echo "| ${LABEL[$m]} | $(M glance-$m 1) | $(M ours-$m 1) | $(ratio "$(M ours-$m 1)" "$(M glance-$m 1)") | $(M glance-$m 2) / $(M glance-$m 3) | $(M ours-$m 2) / $(M ours-$m 3) | $(M glance-$m 5) | $(M ours-$m 5) | $(M glance-$m 4)/$(M ours-$m 4) |"
  done
  echo "| constant Worker (the runtime's ceiling) | | $(M const-const 1) | | | $(M const-const 2) / $(M const-const 3) | | $(M const-const 5) | /$(M const-const 4) |"
  echo
  echo "## Image data, $SIZE_MB MiB (median of $RUNS)"
  echo
  echo "| transfer | Glance MiB/s | ours MiB/s | ratio ours/Glance | Glance CPU s per GiB | ours CPU s per GiB | bytes verified G/ours |"
  echo "|---|---:|---:|---:|---:|---:|:-:|"
  echo "| upload (PUT /file) | $(M glance-put 1) | $(M ours-put 1) | $(ratio "$(M ours-put 1)" "$(M glance-put 1)") | $(M glance-put 2) | $(M ours-put 2) | $(cat "$RESULTS/glance-bytes-ok" 2>/dev/null || echo n/a)/$(cat "$RESULTS/ours-bytes-ok" 2>/dev/null || echo n/a) |"
  echo "| download (GET /file) | $(M glance-get 1) | $(M ours-get 1) | $(ratio "$(M ours-get 1)" "$(M glance-get 1)") | $(M glance-get 2) | $(M ours-get 2) | |"
  echo
  echo "## Peak memory (RSS, whole run)"
  echo
  echo "| server | tree peak MiB | at start MiB | at end MiB | each process's own peak |"
  echo "|---|---:|---:|---:|---|"
  echo "| Glance (glance-api parent + workers) | $(mib "${PEAK[glance]}") | $(mib "${START_RSS[glance]}") | $(mib "${END_RSS[glance]}") | ${PEAK_BY_PROC[glance]} |"
  echo "| ours (npm start: npm + sh + workerd) | $(mib "${PEAK[ours]}") | $(mib "${START_RSS[ours]}") | $(mib "${END_RSS[ours]}") | ${PEAK_BY_PROC[ours]} |"
  echo "| constant Worker (same serving, for scale) | $(mib "${PEAK[const]}") | $(mib "${START_RSS[const]}") | $(mib "${END_RSS[const]}") | ${PEAK_BY_PROC[const]} |"
  echo
  echo "Ratio ours/Glance (tree peak): $(ratio "${PEAK[ours]}" "${PEAK[glance]}")"
  echo
  echo "## Targets (issue 16)"
  echo
  echo "| target | figure | met |"
  echo "|---|---|:-:|"
  rr=$(ratio "$(M ours-put 1)" "$(M glance-put 1)"); echo "| upload ≥ 0.75× Glance | ${rr}× | $(ge "$rr" 0.75) |"
  rr=$(ratio "$(M ours-get 1)" "$(M glance-get 1)"); echo "| download ≥ 1× Glance | ${rr}× | $(ge "$rr" 1) |"
  rr=$(ratio "$(M ours-show 1)" "$(M glance-show 1)"); echo "| show ≥ 2× Glance | ${rr}× | $(ge "$rr" 2) |"
  rr=$(ratio "$(M ours-create 1)" "$(M glance-create 1)"); echo "| create ≥ 3× Glance | ${rr}× | $(ge "$rr" 3) |"
  rr=$(ratio "$(M ours-list20 1)" "$(M glance-list20 1)"); echo "| list of $SMALL_N ≥ 3× Glance | ${rr}× | $(ge "$rr" 3) |"
  rr=$(ratio "$(M ours-list20big 1)" "$(M glance-list20big 1)"); echo "| list of $BIG_N ≥ 20× Glance | ${rr}× | $(ge "$rr" 20) |"
  rr=$(ratio "${PEAK[ours]}" "${PEAK[glance]}"); echo "| peak memory of the npm start tree ≤ 1× Glance's | ${rr}× ($(mib "${PEAK[ours]}") vs $(mib "${PEAK[glance]}") MiB) | $(le "$rr" 1) |"
  echo "| CPU per GiB uploaded ≤ 4 s (whole tree: our Worker and the local R2 simulator) | $(M ours-put 2) s | $(le "$(M ours-put 2)" 4) |"
  rr=$(ratio "$(M const-const 1)" "$(M ours-show 1)"); echo "| show within 2× of the constant Worker (its req/s ÷ show's) | ${rr}× | $(le "$rr" 2) |"
  rr=$(ratio "$(M const-const 1)" "$(M ours-list20 1)"); echo "| list of $SMALL_N within 2× of the constant Worker | ${rr}× | $(le "$rr" 2) |"
  rr=$(ratio "$(M ours-list20 1)" "$(M ours-list20big 1)")
  echo "| (ours: list over $BIG_N within 2× of list over $SMALL_N, req/s) | ${rr}× | $(le "$rr" 2) |"
  echo
  if [[ -n $PROFILE_MD ]]; then
    echo "## Profile: the byte path per stage"
    echo
    echo "$PROFILE_MD"
    echo
  fi
  if [[ -n $HOP_MD ]]; then
    echo "$HOP_MD"
    echo
  fi
  echo "## All runs"
  echo
  echo "| measurement | Glance | ours |"
  echo "|---|---|---|"
  for m in list20 list20big show create health; do
    echo "| ${LABEL[$m]} req/s | $(allv "$RESULTS/glance-$m" 1) | $(allv "$RESULTS/ours-$m" 1) |"
    echo "| ${LABEL[$m]} CPU s per 1000 req | $(allv "$RESULTS/glance-$m" 5) | $(allv "$RESULTS/ours-$m" 5) |"
  done
  echo "| constant Worker req/s | | $(allv "$RESULTS/const-const" 1) |"
  echo "| upload MiB/s | $(allv "$RESULTS/glance-put" 1) | $(allv "$RESULTS/ours-put" 1) |"
  echo "| upload CPU s per GiB | $(allv "$RESULTS/glance-put" 2) | $(allv "$RESULTS/ours-put" 2) |"
  echo "| download MiB/s | $(allv "$RESULTS/glance-get" 1) | $(allv "$RESULTS/ours-get" 1) |"
  echo "| download CPU s per GiB | $(allv "$RESULTS/glance-get" 2) | $(allv "$RESULTS/ours-get" 2) |"
} >"$RESULTS/BENCHMARKS.md"
if [[ -f $OUT && -n ${KEEP_NOTES:-1} ]] && grep -q '^<!-- notes -->' "$OUT"; then
  # hand-written notes below the marker survive a regeneration
  { echo; sed -n '/^<!-- notes -->/,$p' "$OUT"; } >>"$RESULTS/BENCHMARKS.md"
fi
cp "$RESULTS/BENCHMARKS.md" "$OUT"
cat "$RESULTS/BENCHMARKS.md"
log "written $OUT (raw data in $RESULTS)"
