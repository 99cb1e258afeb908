#!/usr/bin/env bash
# Baton vs Debian's redis-server, side by side on this machine.
#
#   BATON=build/baton-server bench/compare.sh [-n requests] [-c clients] [-t tests] [-P "1 16"]
#
# Builds nothing. Starts redis-server and baton-server on random loopback
# ports with equivalent settings (no persistence, DEBUG enabled), then, for
# each pipeline depth and test, runs redis-benchmark against redis and baton
# alternately, recording ops/s and the server's CPU time per request
# (utime+stime from /proc/PID/stat over the run). Finally it fills both with
# DEBUG POPULATE and compares used_memory (INFO) and RSS (/proc/PID/status).
# Prints a markdown table on stdout; progress goes to stderr. Every step is
# bounded by `timeout`; both servers are stopped (by PID) on exit.
set -euo pipefail

requests="${N:-1000000}"
clients=50
tests="set,get,incr,mset,ping"
pipelines="1 16"
populate="${POPULATE:-1000000}"
run_timeout="${RUN_TIMEOUT:-900}"
while getopts "n:c:t:P:k:" opt; do
  case "$opt" in
    n) requests="$OPTARG" ;;
    c) clients="$OPTARG" ;;
    t) tests="$OPTARG" ;;
    P) pipelines="$OPTARG" ;;
    k) populate="$OPTARG" ;;
    *) echo "usage: BATON=path $0 [-n requests] [-c clients] [-t tests] [-P \"1 16\"] [-k populate-keys]" >&2
       exit 2 ;;
  esac
done

: "${BATON:?set BATON to the baton-server binary}"
REDIS="${REDIS:-$(command -v redis-server || true)}"
for tool in "$BATON" "$REDIS" redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

work="$(mktemp -d /tmp/baton-bench-XXXXXX)"
declare -A pid port
cleanup() {
  for name in redis baton; do
    if [[ -n "${pid[$name]:-}" ]] && kill -0 "${pid[$name]}" 2>/dev/null; then
      kill "${pid[$name]}" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "${pid[$name]}" 2>/dev/null || break; sleep 0.05; done
      kill -9 "${pid[$name]}" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# start NAME BINARY: random port, retried when the bind fails.
start() {
  local name="$1" bin="$2"
  for _ in $(seq 20); do
    local p=$((20000 + RANDOM % 30000))
    mkdir -p "$work/$name"
    "$bin" --port "$p" --bind 127.0.0.1 --dir "$work/$name" --save "" --appendonly no \
      --enable-debug-command yes --logfile "$work/$name/server.log" >/dev/null 2>&1 &
    local child=$!
    for _ in $(seq 100); do
      if ! kill -0 "$child" 2>/dev/null; then break; fi
      if [[ "$(timeout 2 redis-cli -p "$p" PING 2>/dev/null)" == "PONG" ]]; then
        pid[$name]=$child
        port[$name]=$p
        return 0
      fi
      sleep 0.05
    done
    kill "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  done
  echo "could not start $name" >&2
  exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
clk_tck="$(getconf CLK_TCK)"

start redis "$REDIS"
start baton "$BATON"
echo "redis-server pid ${pid[redis]} port ${port[redis]}; baton-server pid ${pid[baton]} port ${port[baton]}" >&2

# bench NAME TEST P -> "ops_per_sec cpu_us_per_request"
bench() {
  local name="$1" t="$2" p="$3"
  local before after csv rps
  before="$(cpu_ticks "${pid[$name]}")"
  csv="$(timeout "$run_timeout" redis-benchmark -p "${port[$name]}" -t "$t" -c "$clients" \
    -n "$requests" -P "$p" -q --csv 2>/dev/null)"
  after="$(cpu_ticks "${pid[$name]}")"
  # -t ping runs PING_INLINE and PING_MBULK: average the rows, CPU over all of them.
  printf '%s\n' "$csv" | awk -F'"' -v d="$((after - before))" -v hz="$clk_tck" -v n="$requests" '
    NR > 1 && $4 != "" { sum += $4; rows++ }
    END { if (rows == 0) rows = 1; printf "%.0f %.3f\n", sum / rows, d / hz * 1e6 / (n * rows) }'
}

echo "| test | P | redis ops/s | baton ops/s | ops ratio (baton/redis) | CPU/req redis (us) | CPU/req baton (us) | CPU/req ratio (baton/redis) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for p in $pipelines; do
  IFS=, read -r -a list <<<"$tests"
  for t in "${list[@]}"; do
    echo "running $t -P $p -n $requests" >&2
    read -r r_ops r_cpu < <(bench redis "$t" "$p")
    read -r b_ops b_cpu < <(bench baton "$t" "$p")
    awk -v t="$t" -v p="$p" -v ro="$r_ops" -v bo="$b_ops" -v rc="$r_cpu" -v bc="$b_cpu" 'BEGIN {
      printf "| %s | %s | %d | %d | %.2f | %.3f | %.3f | %.2f |\n", toupper(t), p, ro, bo,
        (ro > 0 ? bo / ro : 0), rc, bc, (rc > 0 ? bc / rc : 0) }'
  done
done

# Memory after DEBUG POPULATE (keys key:0..N-1, values value:0..N-1).
info_field() { timeout 30 redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }
rss_bytes() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status"; }
declare -A used rss base_used base_rss
for name in redis baton; do
  timeout 60 redis-cli -p "${port[$name]}" FLUSHALL >/dev/null
  base_used[$name]="$(info_field "${port[$name]}" used_memory)"
  base_rss[$name]="$(rss_bytes "${pid[$name]}")"
  echo "populating $name with $populate keys" >&2
  timeout "$run_timeout" redis-cli -p "${port[$name]}" DEBUG POPULATE "$populate" >/dev/null
  used[$name]="$(info_field "${port[$name]}" used_memory)"
  rss[$name]="$(rss_bytes "${pid[$name]}")"
done
echo
echo "| memory after DEBUG POPULATE $populate | redis | baton | ratio (baton/redis) |"
echo "|---|---:|---:|---:|"
row() {
  awk -v l="$1" -v r="$2" -v b="$3" 'BEGIN {
    printf "| %s | %.1f MB | %.1f MB | %.2f |\n", l, r / 1048576, b / 1048576, (r > 0 ? b / r : 0) }'
}
row "used_memory" "${used[redis]:-0}" "${used[baton]:-0}"
row "RSS" "${rss[redis]:-0}" "${rss[baton]:-0}"
row "used_memory delta over empty" "$((${used[redis]:-0} - ${base_used[redis]:-0}))" \
  "$((${used[baton]:-0} - ${base_used[baton]:-0}))"
row "RSS delta over empty" "$((${rss[redis]:-0} - ${base_rss[redis]:-0}))" \
  "$((${rss[baton]:-0} - ${base_rss[baton]:-0}))"
echo
echo "requests per run: $requests, clients: $clients, machine: $(nproc) cores, $(uname -srm)"
