# Sourced by the scripts that start servers in their own process group (setsid): CI clients,
# the Keystone scenario, the benchmark.

# stop_group PID: TERM the process group PID leads, then KILL whatever is left after 10 s.
# Returns 1 when PID was not running (nothing to stop).
stop_group() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 1
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL -- "-$pid" 2>/dev/null
  return 0
}

# wait_ok URL PID [CURL-ARGS...]: 0 once GET URL answers 200 (polled every 0.5 s for 2 min);
# 1 as soon as PID has died, or when the time is up.
wait_ok() {
  local url=$1 pid=$2; shift 2
  for _ in $(seq 1 240); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url") == 200 ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

# installed PKG: the Debian package is installed.
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed'; }
