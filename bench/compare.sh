#!/usr/bin/env bash
# Baton vs Debian's redis-server, side by side on this machine.
#
#   BATON=build/baton-server bench/compare.sh [-n requests] [-c clients] [-t tests] [-P "1 16"]
#       [-T type-tests] [-r random-keyspace] [-m type-memory-keys] [-R rounds]
#
# Builds nothing. Starts redis-server and baton-server on random loopback
# ports with equivalent settings (no persistence, DEBUG enabled), then, for
# each pipeline depth and test, runs redis-benchmark against redis and baton
# alternately, -R rounds (default 3) each, recording ops/s and the server's
# CPU time per request (utime+stime from /proc/PID/stat over the run); the
# table shows the median of the rounds. Finally it fills both with
# DEBUG POPULATE and compares used_memory (INFO) and RSS (/proc/PID/status).
# Data types: the -T tests (LPUSH..ZPOPMIN) run the same way with -r random
# members; LRANGE_100/600 read a prefilled 1000-element list of "xxx" (what
# redis-benchmark's own LRANGE tests read) without counting the fill. Then, on
# freshly started servers per type, 1M small hashes, sets (intset and
# strings) and sorted sets are loaded with redis-cli --pipe and used_memory
# and RSS compared.
# Prints a markdown table on stdout; progress goes to stderr. Every step is
# bounded by `timeout`; both servers are stopped (by PID) on exit.
set -euo pipefail

requests="${N:-1000000}"
clients=50
tests="set,get,incr,mset,ping"
pipelines="1 16"
populate="${POPULATE:-1000000}"
type_tests="${TYPE_TESTS-lpush,lpop,lrange_100,lrange_600,sadd,hset,spop,zadd,zpopmin}"
random_keys="${RANDOM_KEYS:-100000}"
type_keys="${TYPE_KEYS:-1000000}"
run_timeout="${RUN_TIMEOUT:-900}"
rounds="${ROUNDS:-3}"
while getopts "n:c:t:P:k:T:r:m:R:" opt; do
  case "$opt" in
    n) requests="$OPTARG" ;;
    c) clients="$OPTARG" ;;
    t) tests="$OPTARG" ;;
    P) pipelines="$OPTARG" ;;
    k) populate="$OPTARG" ;;
    T) type_tests="$OPTARG" ;;
    r) random_keys="$OPTARG" ;;
    m) type_keys="$OPTARG" ;;
    R) rounds="$OPTARG" ;;
    *) echo "usage: BATON=path $0 [-n requests] [-c clients] [-t tests] [-P \"1 16\"] [-k populate-keys]" \
         "[-T type-tests] [-r random-keyspace] [-m type-memory-keys (0: skip)] [-R rounds]" >&2
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

# bench NAME TEST P [RANDOM] -> "ops_per_sec cpu_us_per_request"
# RANDOM, when set, is passed as -r (random members for the data-type tests).
bench() {
  local name="$1" t="$2" p="$3" r="${4:-}"
  local before after csv
  local -a args=(-t "$t")
  case "$t" in
    lrange_*)
      # Fill outside the measurement, then read like redis-benchmark's LRANGE_N.
      if [[ -z "${filled[$name]:-}" ]]; then
        timeout "$run_timeout" redis-benchmark -p "${port[$name]}" -t lpush -n 1000 -q >/dev/null 2>&1
        filled[$name]=1
      fi
      args=(LRANGE mylist 0 "$((${t#lrange_} - 1))")
      ;;
  esac
  local -a rand=()
  [[ -n "$r" ]] && rand=(-r "$r")
  before="$(cpu_ticks "${pid[$name]}")"
  csv="$(timeout "$run_timeout" redis-benchmark -p "${port[$name]}" -c "$clients" \
    -n "$requests" -P "$p" "${rand[@]}" -q --csv "${args[@]}" 2>/dev/null)"
  after="$(cpu_ticks "${pid[$name]}")"
  # -t ping runs PING_INLINE and PING_MBULK: average the rows, CPU over all of them.
  printf '%s\n' "$csv" | awk -F'"' -v d="$((after - before))" -v hz="$clk_tck" -v n="$requests" '
    NR > 1 && $4 != "" { sum += $4; rows++ }
    END { if (rows == 0) rows = 1; printf "%.0f %.3f\n", sum / rows, d / hz * 1e6 / (n * rows) }'
}
declare -A filled

# median VALUES...: the middle value (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# compare TEST P [RANDOM]: one table row. redis and baton take turns, $rounds
# times, and each column is the median of its rounds: on a host whose speed
# drifts by several times within a minute, one run per server compares two
# different machines.
compare() {
  local t="$1" p="$2" r="${3:-}"
  local -a ro=() rc=() bo=() bc=()
  local i ops cpu
  for ((i = 1; i <= rounds; i++)); do
    echo "running $t -P $p -n $requests${r:+ -r $r} (round $i of $rounds)" >&2
    read -r ops cpu < <(bench redis "$t" "$p" "$r")
    ro+=("$ops") rc+=("$cpu")
    read -r ops cpu < <(bench baton "$t" "$p" "$r")
    bo+=("$ops") bc+=("$cpu")
  done
  local r_ops r_cpu b_ops b_cpu
  r_ops="$(median "${ro[@]}")" r_cpu="$(median "${rc[@]}")"
  b_ops="$(median "${bo[@]}")" b_cpu="$(median "${bc[@]}")"
  awk -v t="$t" -v p="$p" -v ro="$r_ops" -v bo="$b_ops" -v rc="$r_cpu" -v bc="$b_cpu" 'BEGIN {
    printf "| %s | %s | %d | %d | %.2f | %.3f | %.3f | %.2f |\n", toupper(t), p, ro, bo,
      (ro > 0 ? bo / ro : 0), rc, bc, (rc > 0 ? bc / rc : 0) }'
}

echo "| test | P | redis ops/s | baton ops/s | ops ratio (baton/redis) | CPU/req redis (us) | CPU/req baton (us) | CPU/req ratio (baton/redis) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for p in $pipelines; do
  IFS=, read -r -a list <<<"$tests"
  for t in "${list[@]}"; do compare "$t" "$p"; done
done
if [[ -n "$type_tests" ]]; then
  for p in $pipelines; do
    IFS=, read -r -a list <<<"$type_tests"
    for t in "${list[@]}"; do compare "$t" "$p" "$random_keys"; done
  done
fi

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

# Data-type memory: for each kind, fresh servers, $type_keys keys loaded with
# redis-cli --pipe, then used_memory and RSS (and their growth over empty).
# gen KIND COUNT: the RESP stream of COUNT commands creating one small value each.
gen() {
  awk -v kind="$1" -v n="$2" 'function cmd(a, k,   i, s) {
      s = "*" k "\r\n"; for (i = 1; i <= k; i++) s = s "$" length(a[i]) "\r\n" a[i] "\r\n"
      printf "%s", s }
    BEGIN {
      for (i = 0; i < n; i++) {
        if (kind == "hash") {
          a[1] = "HSET"; a[2] = "hash:" i; a[3] = "name"; a[4] = "user" i; a[5] = "age";
          a[6] = i % 90; a[7] = "city"; a[8] = "c" (i % 500); cmd(a, 8)
        } else if (kind == "set-intset") {
          a[1] = "SADD"; a[2] = "set:" i; a[3] = i; a[4] = i + 1; a[5] = i * 7; cmd(a, 5)
        } else if (kind == "set-strings") {
          a[1] = "SADD"; a[2] = "set:" i; a[3] = "tag" (i % 100); a[4] = "tag" (i % 37);
          a[5] = "m" i; cmd(a, 5)
        } else if (kind == "zset") {
          a[1] = "ZADD"; a[2] = "zset:" i; a[3] = i % 1000; a[4] = "a" i; a[5] = "1.5";
          a[6] = "b"; a[7] = i; a[8] = "c" (i % 10); cmd(a, 8)
        }
      }
    }'
}
if [[ "$type_keys" -gt 0 ]]; then
  echo
  echo "| memory, $type_keys small values | redis used_memory | baton used_memory | ratio | redis RSS | baton RSS | ratio | redis used growth | baton used growth | ratio | redis RSS growth | baton RSS growth | ratio |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for kind in hash set-intset set-strings zset; do
    declare -A enc
    for name in redis baton; do
      kill "${pid[$name]}" 2>/dev/null || true
      wait "${pid[$name]}" 2>/dev/null || true
      pid[$name]=""
    done
    start redis "$REDIS"
    start baton "$BATON"
    for name in redis baton; do
      base_used[$name]="$(info_field "${port[$name]}" used_memory)"
      base_rss[$name]="$(rss_bytes "${pid[$name]}")"
      echo "loading $type_keys ${kind} keys into $name" >&2
      gen "$kind" "$type_keys" | timeout "$run_timeout" redis-cli -p "${port[$name]}" --pipe >/dev/null
      used[$name]="$(info_field "${port[$name]}" used_memory)"
      rss[$name]="$(rss_bytes "${pid[$name]}")"
      enc[$name]="$(timeout 10 redis-cli -p "${port[$name]}" OBJECT ENCODING "${kind%%-*}:1")"
    done
    [[ "${enc[redis]}" == "${enc[baton]}" ]] || echo "warning: $kind encodings differ: ${enc[redis]} vs ${enc[baton]}" >&2
    awk -v l="$kind (${enc[redis]})" -v ru="${used[redis]}" -v bu="${used[baton]}" \
      -v rr="${rss[redis]}" -v br="${rss[baton]}" -v rbu="${base_used[redis]}" \
      -v bbu="${base_used[baton]}" -v rbr="${base_rss[redis]}" -v bbr="${base_rss[baton]}" '
      function mb(x) { return sprintf("%.1f MB", x / 1048576) }
      function ratio(b, r) { return sprintf("%.2f", r > 0 ? b / r : 0) }
      BEGIN {
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", l,
          mb(ru), mb(bu), ratio(bu, ru), mb(rr), mb(br), ratio(br, rr),
          mb(ru - rbu), mb(bu - bbu), ratio(bu - bbu, ru - rbu),
          mb(rr - rbr), mb(br - bbr), ratio(br - bbr, rr - rbr) }'
  done
fi
echo
echo "requests per run: $requests, rounds (medians): $rounds, clients: $clients, random keyspace for the data-type tests:" \
  "$random_keys, machine: $(nproc) cores, $(uname -srm)"
