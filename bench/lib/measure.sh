# shellcheck shell=bash
# Measurement helpers of bench/run.sh (sourced by it, not run alone): memory (RSS) and CPU of a
# server's process tree from ps and /proc, wrk latency units to ms, transfer rates and CPU per GiB.
# Uses $SIZE_MB from bench/run.sh.

tree_rss() { # ROOTPID -> "total_kB workerd_kB" over the process tree
  ps -eo pid=,ppid=,rss=,comm= | awk -v root="$1" '
    { pid[NR] = $1; pp[NR] = $2; rss[NR] = $3; cm[NR] = $4 }
    END {
      keep[root] = 1
      do { ch = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (pp[i] in keep)) { keep[pid[i]] = 1; ch = 1 } } while (ch)
      for (i = 1; i <= NR; i++) if (pid[i] in keep) { t += rss[i]; if (cm[i] ~ /workerd/) w += rss[i] }
      printf "%d %d\n", t, w
    }'; }
tree_breakdown() { # ROOTPID -> "name MiB, ..." per process of the tree (largest first)
  ps -eo pid=,ppid=,rss=,args= | awk -v root="$1" '
    { pid[NR] = $1; pp[NR] = $2; rss[NR] = $3; a = $4; if (a ~ /(^|\/)(node|python3?)$/ && $5 != "") a = a " " $5; sub(/.*\//, "", a); cm[NR] = a }
    END {
      keep[root] = 1
      do { ch = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (pp[i] in keep)) { keep[pid[i]] = 1; ch = 1 } } while (ch)
      for (i = 1; i <= NR; i++) if (pid[i] in keep) printf "%d %s\n", rss[i] / 1024, cm[i]
    }' | sort -rn | awk '{ n = $1; $1 = ""; sub(/^ /, ""); printf "%s%s %d MiB", (NR > 1 ? ", " : ""), $0, n }'; }
proc_rss() { # ROOTPID -> "pid rss_kB label" per process of the tree
  ps -eo pid=,ppid=,rss=,args= | awk -v root="$1" '
    { pid[NR] = $1; pp[NR] = $2; rss[NR] = $3; a = $4; if (a ~ /(^|\/)(node|python3?)$/ && $5 != "") { a = a " " $5; if ($5 ~ /^--/ && $6 != "") a = a " " $6 } sub(/.*\//, "", a); gsub(/ --[^ ]*/, "", a); cm[NR] = a }
    END {
      keep[root] = 1
      do { ch = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (pp[i] in keep)) { keep[pid[i]] = 1; ch = 1 } } while (ch)
      for (i = 1; i <= NR; i++) if (pid[i] in keep) printf "%d %d %s\n", pid[i], rss[i], cm[i]
    }'; }
TICK=$(getconf CLK_TCK)
tree_cpu() { # ROOTPID -> CPU seconds (utime+stime, and cutime+cstime of reaped children) of its tree
  local p sum=0 f
  for p in $(ps -eo pid=,ppid= | awk -v root="$1" '{ pid[NR] = $1; pp[NR] = $2 } END { keep[root] = 1
      do { ch = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (pp[i] in keep)) { keep[pid[i]] = 1; ch = 1 } } while (ch)
      for (k in keep) print k }'); do
    f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    sum=$(awk -v s="$sum" '{ print s + $12 + $13 + $14 + $15 }' <<<"$f")
  done
  awk -v t="$sum" -v hz="$TICK" 'BEGIN { printf "%.2f\n", t / hz }'; }
to_ms() { awk '{ v = $1
  if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }
  else if (v ~ /m$/) { sub(/m$/, "", v); v *= 60000 } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
  printf "%.2f\n", v }'; }
mibps() { awk -v b="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f\n", b / 1048576 / t; else print "nan" }'; }
per_gib() { awk -v a="$1" -v b="$2" -v mb="$SIZE_MB" 'BEGIN { printf "%.2f\n", (b - a) * 1024 / mb }'; }
