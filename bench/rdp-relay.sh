#!/usr/bin/env bash
# RDP relay benchmark: Jumpgate's relay vs haproxy (mode tcp) vs socat vs direct, in the same run, alternating.
#  1. throughput: iperf3 single stream, ROUNDS rounds of SECS seconds each, order rotated every round
#  2. connection-setup rate: sequential connect + 1-byte round trip + close, RATE_SECS seconds per proxy and round
#  3. IDLE concurrent idle relayed connections: RSS (and, for Jumpgate, heap after GC) per connection
# Jumpgate runs with a `raw` mapping: iperf3 and the echo client do not speak RDP, so the X.224 preamble
# inspection is skipped (admission, audit and the read-one-write-one relay are the same as for RDP ports).
# Every proxy gets the same warm-up run before measuring (the JVM's JIT needs one: on 2 busy cores C2 is still
# compiling the accept path ~10 s into the setup-rate load, so that warm-up lasts WARM_SECS, default 15). Only loopback: the "target" is 127.0.0.201. Figures on a shared machine are noisy: compare ratios in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/rdp-relay
mkdir -p "$OUT"
ROUNDS=${ROUNDS:-3} SECS=${SECS:-5} RATE_SECS=${RATE_SECS:-3} WARM_SECS=${WARM_SECS:-15}
TARGET=${TARGET:-127.0.0.201}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# Each relayed connection holds 2 descriptors in the proxy: aim for 10,000 but stay under the fd limit.
FDS=$(ulimit -n); MAX_IDLE=$(( (FDS - 200) / 2 ))
IDLE=${IDLE:-$(( MAX_IDLE < 10000 ? MAX_IDLE : 10000 ))}
[ "$IDLE" -lt 10000 ] && echo "note: open-file limit $FDS (hard limit; raising needs root outside a container) caps idle connections at $IDLE"
for c in iperf3 haproxy socat java mvn python3; do command -v $c >/dev/null || { echo "missing: $c" >&2; exit 1; }; done

mvn -q -o -pl proxy-rdp -am test-compile dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt"
CP="proxy-rdp/target/test-classes:proxy-rdp/target/classes:$(cat "$OUT/cp.txt")"
MAIN=io.jumpgate.rdp.bench.RelayBenchMain
JAVA_RELAY_OPTS=${JAVA_RELAY_OPTS:--Xmx1g}

PIDS=()
cleanup() { exec 3>&- 4>&- 2>/dev/null || true; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
free_port() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }
wait_port() { for _ in $(seq 200); do (exec 9<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.05; done; echo "nothing listens on $1:$2" >&2; exit 1; }
wait_line() { for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "no '$2' in $1" >&2; cat "$1" >&2; exit 1; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# Proxies in front of BACKEND_PORT on $TARGET; sets JG_PORT HA_PORT SO_PORT JG_PID HA_PID SO_PID
start_proxies() {
  local backend=$1 tag=$2
  JG_PORT=$(free_port 127.0.0.1); HA_PORT=$(free_port 127.0.0.1); SO_PORT=$(free_port 127.0.0.1)
  rm -f "$OUT/jg-$tag.in"; mkfifo "$OUT/jg-$tag.in"
  java $JAVA_RELAY_OPTS -cp "$CP" $MAIN relay 127.0.0.1 "$JG_PORT" "$TARGET" "$backend" "$OUT/audit-$tag.jsonl" \
    < "$OUT/jg-$tag.in" > "$OUT/jg-$tag.log" 2>&1 &
  JG_PID=$!; PIDS+=($JG_PID)
  exec 3>"$OUT/jg-$tag.in"
  cat > "$OUT/haproxy-$tag.cfg" <<CFG
global
  maxconn $IDLE
  nbthread 2
defaults
  mode tcp
  timeout connect 10s
  timeout client 1h
  timeout server 1h
listen bench
  bind 127.0.0.1:$HA_PORT
  server target $TARGET:$backend
CFG
  haproxy -db -f "$OUT/haproxy-$tag.cfg" > "$OUT/haproxy-$tag.log" 2>&1 & HA_PID=$!; PIDS+=($HA_PID)
  socat TCP-LISTEN:"$SO_PORT",bind=127.0.0.1,reuseaddr,fork,backlog=1024 TCP:"$TARGET":"$backend" & SO_PID=$!; PIDS+=($SO_PID)
  wait_line "$OUT/jg-$tag.log" READY; wait_port 127.0.0.1 "$HA_PORT"; wait_port 127.0.0.1 "$SO_PORT"
}
stop_proxies() { exec 3>&-; kill "$JG_PID" "$HA_PID" "$SO_PID" 2>/dev/null || true; wait "$JG_PID" "$HA_PID" "$SO_PID" 2>/dev/null || true; }
port_of() { case $1 in direct) echo "$DIRECT_PORT";; jumpgate) echo "$JG_PORT";; haproxy) echo "$HA_PORT";; socat) echo "$SO_PORT";; esac; }
host_of() { [ "$1" = direct ] && echo "$TARGET" || echo 127.0.0.1; }
rotate() { local r=$1; shift; local a=("$@"); local n=${#a[@]}; for i in $(seq 0 $((n-1))); do echo "${a[$(((i+r)%n))]}"; done; }
avg() { python3 -c 'import sys; v=[float(x) for x in sys.argv[1:]]; print(f"{sum(v)/len(v):.2f}")' "$@"; }
NAMES=(direct jumpgate haproxy socat)
declare -A TP RATE

echo "== machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); shared with other jobs: treat absolute numbers as noisy"
# -- 1. throughput
IPERF_PORT=$(free_port "$TARGET"); DIRECT_PORT=$IPERF_PORT
iperf3 -s -B "$TARGET" -p "$IPERF_PORT" > "$OUT/iperf3-server.log" 2>&1 & PIDS+=($!)
wait_port "$TARGET" "$IPERF_PORT"
start_proxies "$IPERF_PORT" iperf
for name in "${NAMES[@]}"; do iperf3 -c "$(host_of $name)" -p "$(port_of $name)" -t 2 > /dev/null; done # warm-up (JIT)
for r in $(seq 1 "$ROUNDS"); do
  for name in $(rotate "$r" "${NAMES[@]}"); do
    gbps=$(iperf3 -c "$(host_of $name)" -p "$(port_of $name)" -t "$SECS" -J 2>/dev/null \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9)')
    TP[$name]="${TP[$name]:-} $gbps"
    printf '   round %d %-9s %6.2f Gbit/s\n' "$r" "$name" "$gbps"
  done
done
stop_proxies

# -- 2. connection-setup rate (through an echo target)
ECHO_PORT=$(free_port "$TARGET"); DIRECT_PORT=$ECHO_PORT
java -cp "$CP" $MAIN echo "$TARGET" "$ECHO_PORT" > "$OUT/echo.log" 2>&1 & PIDS+=($!)
wait_line "$OUT/echo.log" READY
start_proxies "$ECHO_PORT" echo
for name in "${NAMES[@]}"; do java -cp "$CP" $MAIN connrate "$(host_of $name)" "$(port_of $name)" "$WARM_SECS" > /dev/null; done # warm-up
for r in $(seq 1 "$ROUNDS"); do
  for name in $(rotate "$r" "${NAMES[@]}"); do
    cps=$(java -cp "$CP" $MAIN connrate "$(host_of $name)" "$(port_of $name)" "$RATE_SECS")
    RATE[$name]="${RATE[$name]:-} $cps"
    printf '   round %d %-9s %6d conn/s\n' "$r" "$name" "$cps"
  done
done

# -- 3. idle connections: Jumpgate, then haproxy
# Runs in this shell (not a subshell: the holder keeps its connections until fd 4, its stdin, is closed here).
idle_through() { # name port pid -> sets RSS_BEFORE RSS_AFTER (KiB)
  local name=$1 port=$2 pid=$3
  rm -f "$OUT/hold-$name.in"; mkfifo "$OUT/hold-$name.in"
  RSS_BEFORE=$(rss_kib "$pid")
  java -cp "$CP" $MAIN hold 127.0.0.1 "$port" "$IDLE" < "$OUT/hold-$name.in" > "$OUT/hold-$name.log" 2>&1 & PIDS+=($!)
  exec 4>"$OUT/hold-$name.in"
  wait_line "$OUT/hold-$name.log" HELD
  RSS_AFTER=$(rss_kib "$pid")
}
echo stats >&3; sleep 1; JG_BASE=$(grep STATS "$OUT/jg-echo.log" | tail -1)
idle_through jumpgate "$JG_PORT" "$JG_PID"; JG_RSS0=$RSS_BEFORE; JG_RSS1=$RSS_AFTER
echo stats >&3; wait_line "$OUT/jg-echo.log" "STATS live=$IDLE"; JG_HELD=$(grep STATS "$OUT/jg-echo.log" | tail -1)
exec 4>&-
idle_through haproxy "$HA_PORT" "$HA_PID"; HA_RSS0=$RSS_BEFORE; HA_RSS1=$RSS_AFTER
exec 4>&-
stop_proxies

heap0=$(sed -E 's/.*heap=([0-9]+).*/\1/' <<<"$JG_BASE"); heap1=$(sed -E 's/.*heap=([0-9]+).*/\1/' <<<"$JG_HELD")
echo
echo "== results (averages over $ROUNDS rounds; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
for n in "${NAMES[@]}"; do printf '%-9s %7s Gbit/s  %7s conn/s\n' "$n" "$(avg ${TP[$n]})" "$(avg ${RATE[$n]})"; done
python3 - "${TP[jumpgate]}" "${TP[haproxy]}" "${RATE[jumpgate]}" "${RATE[haproxy]}" <<'PY'
import statistics, sys
tj, th, rj, rh = ([float(x) for x in a.split()] for a in sys.argv[1:])
def paired(j, h):  # jumpgate and haproxy ran back to back in each round: the per-round ratio cancels most drift
    return [a / b for a, b in zip(j, h)]
for what, j, h in (("throughput", tj, th), ("setup-rate", rj, rh)):
    per = paired(j, h)
    print(f"jumpgate/haproxy {what} ratio: {sum(j)/sum(h):.2f}x of averages; per round "
          f"{' '.join(f'{r:.2f}' for r in per)}: median {statistics.median(per):.2f}x, lowest {min(per):.2f}x")
PY
echo "idle: $IDLE connections held through each proxy"
echo "  jumpgate RSS $JG_RSS0 -> $JG_RSS1 KiB: $(( (JG_RSS1 - JG_RSS0) * 1024 / IDLE )) bytes/conn; heap after GC $heap0 -> $heap1: $(( (heap1 - heap0) / IDLE )) bytes/conn"
echo "  haproxy  RSS $HA_RSS0 -> $HA_RSS1 KiB: $(( (HA_RSS1 - HA_RSS0) * 1024 / IDLE )) bytes/conn"
