#!/usr/bin/env bash
# Persistence: Baton vs Debian's redis-server, in one run on this machine.
#
#   BATON=build/baton-server bench/persistence.sh [-k keys] [-a aggregates] [-n requests]
#
# Builds nothing. For each server (redis first, then baton) on a random
# loopback port in its own temporary dir:
#   1. fills it with -k keys of mixed types: DEBUG POPULATE strings plus -a
#      lists, hashes, sets and sorted sets (10 elements each, loaded with
#      redis-cli --pipe), so about k keys in all;
#   2. times SAVE (wall clock around redis-cli SAVE);
#   3. restarts it on the same dir and times the load (process start until
#      PING answers PONG, which both only do after loading);
#   4. runs redis-benchmark (SET/GET, -c 50) twice: alone, and while BGSAVE is
#      started again and again, and reports the p99 latencies (redis-benchmark
#      --csv percentiles).
# Prints a markdown table with the Baton/Redis ratios on stdout; progress on
# stderr. Every step is bounded by `timeout`; servers are stopped by PID.
set -euo pipefail

keys="${KEYS:-1000000}"
aggregates="${AGGREGATES:-100000}"
requests="${N:-300000}"
while getopts "k:a:n:" opt; do
  case "$opt" in
    k) keys="$OPTARG" ;;
    a) aggregates="$OPTARG" ;;
    n) requests="$OPTARG" ;;
    *) echo "usage: BATON=path $0 [-k keys] [-a aggregates] [-n requests]" >&2; exit 2 ;;
  esac
done
: "${BATON:?set BATON to the baton-server binary}"
REDIS="${REDIS:-$(command -v redis-server || true)}"
for tool in "$BATON" "$REDIS" redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

work="$(mktemp -d /tmp/baton-bench-persist-XXXXXX)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# start BINARY DIR: sets server_pid and port; random port retried when the bind fails.
port=0
start() {
  local bin="$1" dir="$2"
  for _ in $(seq 20); do
    local p=$((20000 + RANDOM % 30000))
    "$bin" --port "$p" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
      --enable-debug-command yes --logfile "$dir/server.log" >/dev/null 2>&1 &
    local child=$!
    for _ in $(seq 1200); do
      kill -0 "$child" 2>/dev/null || break
      if [[ "$(timeout 2 redis-cli -p "$p" PING 2>/dev/null)" == "PONG" ]]; then
        server_pid=$child
        port=$p
        return 0
      fi
      sleep 0.05
    done
    kill -9 "$child" 2>/dev/null || true
  done
  echo "could not start $bin" >&2
  exit 1
}

stop() {
  timeout 30 redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  for _ in $(seq 600); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$server_pid" 2>/dev/null || true
  server_pid=""
}

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{printf "%.3f", $2 - $1}'; }

# The aggregate keys as RESP, generated once and fed to both servers.
gen_aggregates() {
  awk -v n="$aggregates" 'function cmd(a, k,   i, s) { s = "*" k "\r\n"; for (i = 1; i <= k; i++) s = s "$" length(a[i]) "\r\n" a[i] "\r\n"; printf "%s", s }
  BEGIN {
    for (i = 0; i < n; i++) {
      t = i % 4; key = "agg:" i
      if (t == 0) { a[1] = "RPUSH"; a[2] = key; for (j = 0; j < 10; j++) a[3 + j] = "element-" j; cmd(a, 12) }
      if (t == 1) { a[1] = "HSET"; a[2] = key; for (j = 0; j < 10; j++) { a[3 + 2 * j] = "f" j; a[4 + 2 * j] = "v" i } cmd(a, 22) }
      if (t == 2) { a[1] = "SADD"; a[2] = key; for (j = 0; j < 10; j++) a[3 + j] = "m" (i + j); cmd(a, 12) }
      if (t == 3) { a[1] = "ZADD"; a[2] = key; for (j = 0; j < 10; j++) { a[3 + 2 * j] = j * 1.5; a[4 + 2 * j] = "z" j } cmd(a, 22) }
      delete a
    }
  }' > "$work/aggregates.resp"
}

# p99 of SET and GET from redis-benchmark --csv ("test","rps","avg","min","p50","p95","p99","max").
bench_p99() {
  timeout 600 redis-benchmark -p "$port" -t set,get -n "$requests" -c 50 -r 100000 --csv 2>/dev/null |
    awk -F'","' '/^"SET"|^"GET"/ { gsub(/"/, "", $7); printf "%s ", $7 }'
}

declare -A save_s load_s p99_base p99_bgsave bgsaves
echo "generating $aggregates aggregate keys" >&2
gen_aggregates
strings=$((keys - aggregates))
for name in redis baton; do
  bin="$REDIS"; [[ "$name" == baton ]] && bin="$BATON"
  dir="$work/$name"; mkdir -p "$dir"
  echo "[$name] filling $strings strings + $aggregates aggregates" >&2
  start "$bin" "$dir"
  timeout 600 redis-cli -p "$port" DEBUG POPULATE "$strings" key 16 >/dev/null
  timeout 600 redis-cli -p "$port" --pipe < "$work/aggregates.resp" >/dev/null
  dbsize=$(redis-cli -p "$port" DBSIZE)
  echo "[$name] dbsize $dbsize; SAVE" >&2
  t0=$(now); timeout 600 redis-cli -p "$port" SAVE >/dev/null; t1=$(now)
  save_s[$name]=$(elapsed "$t0" "$t1")
  stop
  echo "[$name] restart and load $(du -h "$dir/dump.rdb" | cut -f1)" >&2
  t0=$(now); start "$bin" "$dir"; t1=$(now)
  load_s[$name]=$(elapsed "$t0" "$t1")
  loaded=$(redis-cli -p "$port" DBSIZE)
  [[ "$loaded" == "$dbsize" ]] || { echo "[$name] loaded $loaded keys, expected $dbsize" >&2; exit 1; }
  echo "[$name] benchmark alone" >&2
  p99_base[$name]=$(bench_p99)
  echo "[$name] benchmark with BGSAVE running" >&2
  ( count=0
    while true; do
      if redis-cli -p "$port" INFO persistence | grep -q "rdb_bgsave_in_progress:0"; then
        redis-cli -p "$port" BGSAVE >/dev/null 2>&1 && count=$((count + 1))
        echo "$count" > "$work/bgsaves"
      fi
      sleep 0.05
    done ) &
  looper=$!
  p99_bgsave[$name]=$(bench_p99)
  kill "$looper" 2>/dev/null || true; wait "$looper" 2>/dev/null || true
  bgsaves[$name]=$(cat "$work/bgsaves" 2>/dev/null || echo 0)
  # Let the last child finish before shutting down.
  for _ in $(seq 1200); do
    redis-cli -p "$port" INFO persistence | grep -q "rdb_bgsave_in_progress:0" && break
    sleep 0.05
  done
  stop
done

ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "n/a" }'; }
read -r rs rg <<< "${p99_base[redis]}"; read -r bs bg <<< "${p99_base[baton]}"
read -r rsb rgb <<< "${p99_bgsave[redis]}"; read -r bsb bgb <<< "${p99_bgsave[baton]}"
echo "| measure | redis-server | baton | baton/redis |"
echo "|---|---:|---:|---:|"
echo "| SAVE of $keys keys (s) | ${save_s[redis]} | ${save_s[baton]} | $(ratio "${save_s[baton]}" "${save_s[redis]}") |"
echo "| start-up load of the dump (s) | ${load_s[redis]} | ${load_s[baton]} | $(ratio "${load_s[baton]}" "${load_s[redis]}") |"
echo "| SET p99 (ms), idle | $rs | $bs | $(ratio "$bs" "$rs") |"
echo "| SET p99 (ms), BGSAVE looping | $rsb | $bsb | $(ratio "$bsb" "$rsb") |"
echo "| GET p99 (ms), idle | $rg | $bg | $(ratio "$bg" "$rg") |"
echo "| GET p99 (ms), BGSAVE looping | $rgb | $bgb | $(ratio "$bgb" "$rgb") |"
echo "| BGSAVEs during the benchmark | ${bgsaves[redis]} | ${bgsaves[baton]} | |"
echo
echo "keys: $keys ($aggregates aggregates of 10 elements), benchmark requests: $requests, -c 50, machine: $(nproc) cores"
