#!/usr/bin/env bash
# A switchover under load, measured by baton-pulse, for Redis 7.0 and Baton.
#
#   PULSE=build/release/baton-pulse BATON=build/release/baton-server bench/switchover.sh
#       [-c clients] [-k keys] [-d seconds] [-f failover-at-seconds] [-m "legacy redirect"]
#       [-t per-request-deadline-ms]
#
# For each server (Debian's redis-server, then baton-server when it has
# FAILOVER and REPLICAOF) and each mode: starts a primary and a replica on
# random loopback ports (no persistence), REPLICAOF, waits for the link, runs
# baton-pulse with --failover-at against the primary (FAILOVER TO the
# replica), and prints one markdown row per run. Full reports and SVG charts
# go to $OUT (default /tmp/baton-switchover). Every server is stopped by PID.
set -euo pipefail

clients=50
keys=1000
duration=10
failover_at=3
modes="legacy redirect"
timeout_ms=2000
while getopts "c:k:d:f:m:t:" opt; do
  case "$opt" in
    c) clients="$OPTARG" ;;
    k) keys="$OPTARG" ;;
    d) duration="$OPTARG" ;;
    f) failover_at="$OPTARG" ;;
    m) modes="$OPTARG" ;;
    t) timeout_ms="$OPTARG" ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
find_bin() {
  local name="$1" d
  for d in build/release build build-release build/ci-release; do
    [ -x "$root/$d/$name" ] && { echo "$root/$d/$name"; return; }
  done
  command -v "$name" || true
}
pulse="${PULSE:-$(find_bin baton-pulse)}"
baton="${BATON:-$(find_bin baton-server)}"
redis="${REDIS:-/usr/bin/redis-server}"
out="${OUT:-/tmp/baton-switchover}"
mkdir -p "$out"
[ -x "$pulse" ] || { echo "baton-pulse not found: build it or set PULSE" >&2; exit 1; }

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# start_server BINARY -> prints "PID PORT" (retries on another port if the bind fails)
start_server() {
  local bin="$1" port pid i
  for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    "$bin" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --repl-diskless-sync-delay 0 \
      --dir "$out" --logfile "$out/server-$port.log" >/dev/null 2>&1 &
    pid=$!
    for i in $(seq 1 100); do
      if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
        echo "$pid $port"
        return
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  echo "cannot start $bin" >&2
  return 1
}

# json_field JSON NAME -> the raw value after "NAME":
json_field() {
  local v
  v="$(printf '%s' "$1" | grep -o "\"$2\":\({[^}]*}\|\"[^\"]*\"\|[^,}]*\)" | head -1)"
  printf '%s' "${v#*:}"
}

supports_failover() {  # BINARY: does it have FAILOVER and REPLICAOF?
  local bin="$1" pid port ok=1 info
  read -r pid port < <(start_server "$bin")
  pids+=("$pid")
  info="$(redis-cli -p "$port" command info failover replicaof 2>/dev/null || true)"
  [ "$(printf '%s\n' "$info" | grep -c -E '^(failover|replicaof)$')" -eq 2 ] && ok=0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return "$ok"
}

run_pair() {  # NAME BINARY MODE
  local name="$1" bin="$2" mode="$3" ppid pport rpid rport json file
  read -r ppid pport < <(start_server "$bin")
  pids+=("$ppid")
  read -r rpid rport < <(start_server "$bin")
  pids+=("$rpid")
  redis-cli -p "$rport" replicaof 127.0.0.1 "$pport" >/dev/null
  # The replica is online (its first sync done) before the load starts.
  for _ in $(seq 1 200); do
    redis-cli -p "$pport" info replication | grep -q "slave0:.*state=online" && break
    sleep 0.05
  done
  file="$out/$name-$mode"
  echo "== $name, $mode mode: primary $pport, replica $rport" >&2
  local cmd=("$pulse" --host 127.0.0.1 --port "$pport" --clients "$clients" --keys "$keys"
    --duration "$duration" --mode "$mode" --failover-at "$failover_at" --timeout-ms "$timeout_ms"
    --failover-to "127.0.0.1:$rport" --json --chart "$file.svg")
  echo "   ${cmd[*]}" >&2
  timeout $((duration * 3 + 60)) "${cmd[@]}" >"$file.txt" 2>&1 || true
  json="$(tail -n 1 "$file.txt")"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$mode" \
    "$(json_field "$json" ops)" "$(json_field "$json" errors)" \
    "$(json_field "$json" errors_by_kind)" "$(json_field "$json" unavailable_ms)" \
    "$(json_field "$json" max_latency_ms)" "$(json_field "$json" p999_latency_ms)" \
    "$(json_field "$json" lost_writes)" "$(json_field "$json" extra_writes)" \
    "$(json_field "$json" pulse_stall_ms)"
  kill "$ppid" "$rpid" 2>/dev/null || true
  wait "$ppid" "$rpid" 2>/dev/null || true
}

echo "baton-pulse: $clients connections x $keys keys, ${duration} s, FAILOVER at ${failover_at} s," \
  "deadline ${timeout_ms} ms" >&2
echo "| server | mode | ops | errors | errors by kind | unavailable ms | max latency ms | p99.9 ms | lost writes | extra writes | pulse stall ms |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for mode in $modes; do
  run_pair "redis-$("$redis" --version | grep -o 'v=[0-9.]*' | cut -d= -f2)" "$redis" "$mode"
done
if [ -x "$baton" ] && supports_failover "$baton"; then
  for mode in $modes; do run_pair baton "$baton" "$mode"; done
else
  echo "| baton | - | FAILOVER/REPLICAOF not available yet in $baton | | | | | | | | |"
fi
echo "reports and charts: $out" >&2
