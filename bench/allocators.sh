#!/usr/bin/env bash
# Compares baton-server builds that differ only in their allocator.
#
#   bench/allocators.sh jemalloc=build-j/baton-server mimalloc=build-m/baton-server libc=build-l/baton-server
#
# Build them with -DBATON_ALLOCATOR=jemalloc|mimalloc|libc in separate build
# directories. For each binary (one at a time, alone on the machine): SET and
# GET throughput with redis-benchmark -P 16 (-n requests, default 1000000),
# then used_memory and RSS after DEBUG POPULATE (default 1000000 keys).
# Prints a markdown table. Each server is stopped by PID.
set -euo pipefail
requests="${N:-1000000}"
populate="${POPULATE:-1000000}"
work="$(mktemp -d /tmp/baton-alloc-XXXXXX)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "| allocator | SET -P16 ops/s | GET -P16 ops/s | used_memory after POPULATE | RSS after POPULATE | RSS empty |"
echo "|---|---:|---:|---:|---:|---:|"
for spec in "$@"; do
  name="${spec%%=*}"
  bin="${spec#*=}"
  started=""
  for _ in $(seq 20); do
    port=$((20000 + RANDOM % 30000))
    "$bin" --port "$port" --bind 127.0.0.1 --dir "$work" --save "" --appendonly no \
      --enable-debug-command yes --logfile "$work/$name.log" >/dev/null 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      if [[ "$(timeout 2 redis-cli -p "$port" PING 2>/dev/null)" == "PONG" ]]; then started=1; break; fi
      sleep 0.05
    done
    [[ -n "$started" ]] && break
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  done
  [[ -n "$started" ]] || { echo "could not start $bin" >&2; exit 1; }
  rss_empty="$(awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$server_pid/status")"
  echo "$name: benchmarking (pid $server_pid, port $port)" >&2
  rps() { timeout 900 redis-benchmark -p "$port" -t "$1" -c 50 -n "$requests" -P 16 -q --csv |
    awk -F'"' 'NR == 2 {print $4}'; }
  set_rps="$(rps set)"
  get_rps="$(rps get)"
  timeout 60 redis-cli -p "$port" FLUSHALL >/dev/null
  timeout 900 redis-cli -p "$port" DEBUG POPULATE "$populate" >/dev/null
  used="$(timeout 30 redis-cli -p "$port" INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}')"
  rss="$(awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$server_pid/status")"
  awk -v n="$name" -v s="$set_rps" -v g="$get_rps" -v u="${used:-0}" -v r="$rss" -v e="$rss_empty" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.1f MB | %.1f MB | %.1f MB |\n", n, s, g, u / 1048576, r / 1048576, e / 1048576 }'
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
echo
echo "requests per run: $requests, populate: $populate keys, machine: $(nproc) cores"
