#!/usr/bin/env bash
# Replication benchmark, baton vs Debian's redis-server in the same run:
#   1. full-sync time of KEYS keys (default 1000000, DEBUG POPULATE) from a
#      master to a fresh replica (REPLICAOF until master_link_status:up and the
#      offsets agree), baton->baton and redis->redis, disk and diskless;
#   2. master SET throughput (redis-benchmark -P 16, N requests) with 0, 1 and
#      2 replicas attached.
# Prints a markdown table with baton/redis ratios.
#
#   bench/replication.sh [path/to/baton-server]      (default build/baton-server)
set -euo pipefail
baton="${1:-build/baton-server}"
redis="${REDIS:-/usr/bin/redis-server}"
keys="${KEYS:-1000000}"
requests="${N:-500000}"
work="$(mktemp -d /tmp/baton-replbench-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# start <binary> <name> [directives...]: prints the port; the pid goes to pids.
start() {
  local bin="$1" name="$2"
  shift 2
  mkdir -p "$work/$name"
  for _ in $(seq 20); do
    local port=$((20000 + RANDOM % 30000))
    "$bin" --port "$port" --bind 127.0.0.1 --dir "$work/$name" --save "" --appendonly no \
      --enable-debug-command yes --logfile "$work/$name.log" "$@" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      if [[ "$(timeout 2 redis-cli -p "$port" PING 2>/dev/null)" == "PONG" ]]; then
        pids+=("$pid")
        echo "$port"
        return
      fi
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  echo "could not start $bin" >&2
  exit 1
}
stop_all() {
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; fi
  done
  pids=()
}
field() { timeout 10 redis-cli -p "$1" INFO replication | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }
now_ms() { date +%s%3N; }

# sync_time <binary> <diskless yes|no>: ms for a fresh replica to catch up.
sync_time() {
  local bin="$1" diskless="$2"
  local m r
  m="$(start "$bin" master --repl-diskless-sync "$diskless" --repl-diskless-sync-delay 0)"
  r="$(start "$bin" replica)"
  timeout 900 redis-cli -p "$m" DEBUG POPULATE "$keys" key 10 >/dev/null
  local t0 t1
  t0="$(now_ms)"
  redis-cli -p "$r" REPLICAOF 127.0.0.1 "$m" >/dev/null
  for _ in $(seq 60000); do
    if [[ "$(field "$r" master_link_status)" == "up" &&
          "$(field "$r" slave_repl_offset)" == "$(field "$m" master_repl_offset)" ]]; then break; fi
    sleep 0.01
  done
  t1="$(now_ms)"
  local n
  n="$(redis-cli -p "$r" DBSIZE)"
  [[ "$n" == "$keys" ]] || echo "warning: replica has $n keys" >&2
  stop_all
  echo $((t1 - t0))
}

# throughput <binary> <replicas>: SET ops/s on the master.
throughput() {
  local bin="$1" n="$2"
  local m
  m="$(start "$bin" master --repl-diskless-sync-delay 0)"
  for i in $(seq "$n"); do
    local r
    r="$(start "$bin" "replica$i")"
    redis-cli -p "$r" REPLICAOF 127.0.0.1 "$m" >/dev/null
    for _ in $(seq 1000); do [[ "$(field "$r" master_link_status)" == "up" ]] && break; sleep 0.01; done
  done
  local rps
  rps="$(timeout 900 redis-benchmark -p "$m" -t set -r 100000 -c 50 -n "$requests" -P 16 -q --csv |
    awk -F'"' 'NR == 2 {print $4}')"
  stop_all
  echo "$rps"
}

echo "| measure | baton | redis 7.0 | baton/redis |"
echo "|---|---:|---:|---:|"
for mode in no yes; do
  b="$(sync_time "$baton" "$mode")"
  r="$(sync_time "$redis" "$mode")"
  label="full sync of $keys keys (diskless $mode), ms"
  awk -v l="$label" -v b="$b" -v r="$r" 'BEGIN { printf "| %s | %d | %d | %.2f |\n", l, b, r, b / r }'
done
for n in 0 1 2; do
  b="$(throughput "$baton" "$n")"
  r="$(throughput "$redis" "$n")"
  awk -v n="$n" -v b="$b" -v r="$r" \
    'BEGIN { printf "| master SET -P16 ops/s, %d replicas | %.0f | %.0f | %.2f |\n", n, b, r, b / r }'
done
