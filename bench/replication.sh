#!/usr/bin/env bash
# Replication benchmark, baton vs Debian's redis-server in the same run:
#   1. full-sync time of KEYS mixed keys (default 1000000: a fifth each of
#      strings, hashes of 4 fields, lists of 5 items, sets of 4 members and
#      sorted sets of 4 members, one in eleven with a TTL, loaded with
#      redis-cli --pipe) from a master to a fresh replica (REPLICAOF until
#      master_link_status:up and the offsets agree), baton->baton and
#      redis->redis, disk and diskless;
#   2. replication lag under write load: redis-benchmark (SET, HSET, LPUSH,
#      ZADD; -P 16) against a master with one replica; the master's offset
#      minus the offset the replica acknowledged (both from one INFO of the
#      master), sampled every 100 ms (mean and max bytes), and the time the
#      replica needs to catch up once the load stops;
#   3. master SET throughput (redis-benchmark -P 16, N requests) with 0, 1 and
#      2 replicas attached.
# Prints a markdown table with baton/redis ratios.
#
#   bench/replication.sh [path/to/baton-server]      (default build/baton-server)
set -euo pipefail
baton="${1:-build/baton-server}"
redis="${REDIS:-/usr/bin/redis-server}"
keys="${KEYS:-1000000}"
stages="${STAGES:-sync lag throughput}"  # a subset re-runs part of the benchmark
requests="${N:-500000}"
max_wait_ms=300000  # any wait for a replica gives up after 5 minutes
work="$(mktemp -d /tmp/baton-replbench-XXXXXX)"
# start() runs in $(...) subshells: the pids of the servers it starts go to a
# file, which stop_all and the exit trap read.
stop_all() {
  local p
  [[ -f "$work/pids" ]] || return 0
  while read -r p; do
    if kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; fi
  done <"$work/pids"
  while read -r p; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  done <"$work/pids"
  : >"$work/pids"
}
cleanup() {
  stop_all
  rm -rf "$work"
}
trap cleanup EXIT

# start <binary> <name> [directives...]: prints the port; the pid goes to $work/pids.
# Each server starts empty (a dump.rdb left by an earlier stage is removed).
start() {
  local bin="$1" name="$2"
  shift 2
  rm -rf "${work:?}/$name"
  mkdir -p "$work/$name"
  for _ in $(seq 20); do
    local port=$((20000 + RANDOM % 30000))
    "$bin" --port "$port" --bind 127.0.0.1 --dir "$work/$name" --save "" --appendonly no \
      --enable-debug-command yes --logfile "$work/$name.log" "$@" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      if [[ "$(timeout 2 redis-cli -p "$port" PING 2>/dev/null)" == "PONG" ]]; then
        echo "$pid" >>"$work/pids"
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
field() { timeout 10 redis-cli -p "$1" INFO replication | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }
now_ms() { date +%s%3N; }

# sync_time <binary> <diskless yes|no>: ms for a fresh replica to catch up.
sync_time() {
  local bin="$1" diskless="$2"
  local m r
  m="$(start "$bin" master --repl-diskless-sync "$diskless" --repl-diskless-sync-delay 0)"
  r="$(start "$bin" replica)"
  timeout 900 redis-cli -p "$m" --pipe <"$work/mixed.resp" >/dev/null
  local t0 t1
  t0="$(now_ms)"
  redis-cli -p "$r" REPLICAOF 127.0.0.1 "$m" >/dev/null
  until [[ "$(field "$r" master_link_status)" == "up" &&
           "$(field "$r" slave_repl_offset)" == "$(field "$m" master_repl_offset)" ]]; do
    (($(now_ms) - t0 > max_wait_ms)) && { echo "warning: no sync within ${max_wait_ms} ms" >&2; break; }
    sleep 0.01
  done
  t1="$(now_ms)"
  local n
  n="$(redis-cli -p "$r" DBSIZE)"
  [[ "$n" == "$keys" ]] || echo "warning: replica has $n keys, not $keys" >&2
  stop_all
  echo $((t1 - t0))
}

# The mixed dataset as RESP commands, made once for both servers.
make_mixed() {
  awk -v n="$keys" 'function cmd(a, k,   i, out) {
      out = "*" k "\r\n"
      for (i = 1; i <= k; i++) out = out "$" length(a[i]) "\r\n" a[i] "\r\n"
      printf "%s", out
    }
    BEGIN {
      for (i = 0; i < n; i++) {
        t = i % 5; key = "k:" t ":" i; delete a
        if (t == 0) { a[1] = "SET"; a[2] = key; a[3] = sprintf("value-%08d", i); k = 3 }
        else if (t == 1) { a[1] = "HSET"; a[2] = key; k = 2
          for (j = 0; j < 4; j++) { a[++k] = "f" j; a[++k] = i + j } }
        else if (t == 2) { a[1] = "RPUSH"; a[2] = key; k = 2
          for (j = 0; j < 5; j++) a[++k] = "item-" (i + j) }
        else if (t == 3) { a[1] = "SADD"; a[2] = key; k = 2
          for (j = 0; j < 4; j++) a[++k] = "m" (i * 4 + j) }
        else { a[1] = "ZADD"; a[2] = key; k = 2
          for (j = 0; j < 4; j++) { a[++k] = (i + j) / 10; a[++k] = "z" j } }
        cmd(a, k)
        if (i % 11 == 0) { delete a; a[1] = "EXPIRE"; a[2] = key; a[3] = 86400; cmd(a, 3) }
      }
    }' >"$work/mixed.resp"
}

# lag_bytes <master port>: its offset minus the offset its replica acknowledged,
# both from one INFO (two separate reads would compare different moments).
lag_bytes() {
  timeout 10 redis-cli -p "$1" INFO replication | tr -d '\r' | awk -F'[:,=]' '
    $1 == "master_repl_offset" { master = $2 }
    $1 == "slave0" { for (i = 2; i < NF; i++) if ($i == "offset") replica = $(i + 1) }
    END { d = master - replica; print (d > 0 ? d : 0) }'
}

# lag <binary>: "mean_bytes max_bytes catchup_ms" for one replica under write load
# (the lag as the master sees it: replicas acknowledge once a second).
lag() {
  local bin="$1"
  local m r
  m="$(start "$bin" master --repl-diskless-sync-delay 0)"
  r="$(start "$bin" replica)"
  redis-cli -p "$r" REPLICAOF 127.0.0.1 "$m" >/dev/null
  for _ in $(seq 1000); do [[ "$(field "$r" master_link_status)" == "up" ]] && break; sleep 0.01; done
  timeout 900 redis-benchmark -p "$m" -t set,hset,lpush,zadd -r 100000 -c 50 -n "$requests" -P 16 \
    -q >/dev/null 2>&1 &
  local bench=$!
  local samples=0 sum=0 max=0 d
  while kill -0 "$bench" 2>/dev/null; do
    d="$(lag_bytes "$m")"
    samples=$((samples + 1)); sum=$((sum + d)); ((d > max)) && max=$d
    sleep 0.1
  done
  wait "$bench" || true
  local t0 t1
  t0="$(now_ms)"
  until [[ "$(field "$r" slave_repl_offset)" == "$(field "$m" master_repl_offset)" ]]; do
    (($(now_ms) - t0 > max_wait_ms)) && { echo "warning: no catch-up within ${max_wait_ms} ms" >&2; break; }
    sleep 0.01
  done
  t1="$(now_ms)"
  stop_all
  echo "$((sum / (samples > 0 ? samples : 1))) $max $((t1 - t0))"
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
if [[ " $stages " == *" sync "* ]]; then
make_mixed
for mode in no yes; do
  b="$(sync_time "$baton" "$mode")"
  r="$(sync_time "$redis" "$mode")"
  label="full sync of $keys mixed keys (diskless $mode), ms"
  awk -v l="$label" -v b="$b" -v r="$r" 'BEGIN { printf "| %s | %d | %d | %.2f |\n", l, b, r, b / r }'
done
fi
row() { awk -v l="$1" -v b="$2" -v r="$3" 'BEGIN { printf "| %s | %d | %d | %.2f |\n", l, b, r, (r > 0 ? b / r : 0) }'; }
if [[ " $stages " == *" lag "* ]]; then
read -r b_mean b_max b_catch <<<"$(lag "$baton")"
read -r r_mean r_max r_catch <<<"$(lag "$redis")"
row "replication lag under load, mean bytes" "$b_mean" "$r_mean"
row "replication lag under load, max bytes" "$b_max" "$r_max"
row "replica catch-up after the load, ms" "$b_catch" "$r_catch"
fi
if [[ " $stages " == *" throughput "* ]]; then
for n in 0 1 2; do
  b="$(throughput "$baton" "$n")"
  r="$(throughput "$redis" "$n")"
  awk -v n="$n" -v b="$b" -v r="$r" \
    'BEGIN { printf "| master SET -P16 ops/s, %d replicas | %.0f | %.0f | %.2f |\n", n, b, r, b / r }'
done
fi
