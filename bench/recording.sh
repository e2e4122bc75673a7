#!/usr/bin/env bash
# Recorded vs unrecorded `ssh gw TARGET 'cat BIG'` throughput through the real gateway, same run, same target.
#   bench/recording.sh [MIB=256] [ROUNDS=3]        (TTY=1 bench/recording.sh: with a pty, as ssh -t)
# Starts (as root, in a temp dir, on probed 127.0.0.x ports) a real OpenSSH sshd target and Jumpgate
# (`java -jar gateway/target/jumpgate.jar run`) with two inventory names for that one target: rec_0 in a role
# with `recording: required`, plain_0 in a role with `recording: off`. Both go through the same recorded-session
# bridge (the gateway terminates SSH and re-originates it to the target); only recording differs. Then,
# alternating, times `ssh -T gw TARGET 'cat BIG'` (base64 text, aes128-gcm on both hops) through each, plus
# straight to the target for reference, and prints MiB/s and the recorded/unrecorded ratio.
# JUMPGATE_JAR picks another build (default gateway/target/jumpgate.jar).
# Goal: recording costs <= 10% (ratio >= 0.90). Also prints the gateway's CPU time per MiB for each path (from
# /proc: on a shared 2-core machine throughput follows total CPU, CPU per MiB is the steadier figure). JUMPGATE_JAVA_OPTS passes JVM options (e.g. JFR).
set -euo pipefail
MIB=${1:-256}
ROUNDS=${2:-3}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${JUMPGATE_JAR:-$here/gateway/target/jumpgate.jar}"
[[ $(id -u) == 0 ]] || { echo "run as root (sshd target on a probed port)" >&2; exit 2; }
for x in /usr/sbin/sshd ssh ssh-keygen python3 java base64; do command -v "$x" >/dev/null || { echo "missing $x" >&2; exit 2; }; done
id jgtest >/dev/null 2>&1 || { echo "missing login user jgtest (useradd -m -s /bin/bash jgtest; echo 'jgtest:jgtest-Pass-2026' | chpasswd)" >&2; exit 2; }
# Reactor build (never `mvn install`).
[[ -f "$jar" ]] || (cd "$here" && mvn -q -o -B -pl gateway -am -DskipTests package)

source "$here/bench/lib.sh"
bench_tmp jumpgate-recbench
chmod 755 "$tmp" # the target's login user reads authorized_keys and the big file here


ssh-keygen -q -t ed25519 -N '' -C client -f "$tmp/client" >/dev/null
ssh-keygen -q -t ed25519 -N '' -C jumpgate-target-identity -f "$tmp/identity" >/dev/null
ssh-keygen -q -t ed25519 -N '' -C target -f "$tmp/hostkey" >/dev/null
cat "$tmp/client.pub" "$tmp/identity.pub" > "$tmp/authorized_keys"
chmod 644 "$tmp/authorized_keys"
head -c $(( MIB * 3 / 4 * 1024 * 1024 )) /dev/urandom | base64 > "$tmp/big.txt"
chmod 644 "$tmp/big.txt"

# A random 127.0.0.x for the target: other benches and tests on this machine use fixed ones.
TARGET_HOST=127.0.$((RANDOM % 200 + 1)).$((RANDOM % 200 + 20)); JG_HOST=127.0.0.1
for _ in 1 2 3 4 5; do
  TARGET_PORT=$(probe "$TARGET_HOST")
  cat > "$tmp/sshd.conf" <<CONF
ListenAddress $TARGET_HOST:$TARGET_PORT
HostKey $tmp/hostkey
AuthorizedKeysFile $tmp/authorized_keys
AllowUsers jgtest
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PidFile none
LogLevel ERROR
Ciphers aes128-gcm@openssh.com
CONF
  /usr/sbin/sshd -D -e -f "$tmp/sshd.conf" >"$tmp/sshd.log" 2>&1 </dev/null &
  sshd_pid=$!
  ok=0
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/$TARGET_HOST/$TARGET_PORT") 2>/dev/null; then ok=1; break; fi
    kill -0 "$sshd_pid" 2>/dev/null || break
    sleep 0.05
  done
  if (( ok )); then pids+=("$sshd_pid"); break; fi
  kill "$sshd_pid" 2>/dev/null || true
done
(( ok )) || { echo "cannot start target sshd: $(cat "$tmp/sshd.log")" >&2; exit 1; }
echo "[$TARGET_HOST]:$TARGET_PORT $(cut -d' ' -f1-2 "$tmp/hostkey.pub")" > "$tmp/known_hosts"

JG_PORT=$(probe "$JG_HOST")
cat > "$tmp/jumpgate.yaml" <<YAML
dataDir: $tmp/jg
ssh:
  listen: $JG_HOST:$JG_PORT
limits:
  allowLoopbackTargets: true
inventory:
  static:
    - {name: rec_0, address: $TARGET_HOST}
    - {name: plain_0, address: $TARGET_HOST}
roles:
  - {name: recorded, targets: [rec_0], ports: [$TARGET_PORT], recording: required}
  - {name: unrecorded, targets: [plain_0], ports: [$TARGET_PORT], recording: "off"}
users:
  - name: bench
    roles: [recorded, unrecorded]
    authorizedKeys: ["$(cut -d' ' -f1-2 "$tmp/client.pub")"]
recordings:
  dir: $tmp/recordings
sessions:
  port: $TARGET_PORT
  identityKey: $tmp/identity
  knownHosts: $tmp/known_hosts
  login: {default: jgtest}
YAML
# Compiler threads stay alive (by default idle ones exit, and their CPU time with them), so jit_ms only grows.
java -XX:-UseDynamicNumberOfCompilerThreads ${JUMPGATE_JAVA_OPTS:-} -jar "$jar" run --config "$tmp/jumpgate.yaml" >"$tmp/jumpgate.log" 2>&1 </dev/null &
jg_pid=$!
pids+=("$jg_pid")
wait_port "$JG_HOST" "$JG_PORT" Jumpgate

cat > "$tmp/ssh_config" <<CONF
Host gw
  HostName $JG_HOST
  Port $JG_PORT
  User bench
Host target
  HostName $TARGET_HOST
  Port $TARGET_PORT
  User jgtest
CONF
ssh_client_defaults "$tmp/client" >> "$tmp/ssh_config"

size=$(stat -c %s "$tmp/big.txt")
# TTY=1: through a pty on the target (as `ssh -t gw TARGET`); the pty turns LF into CRLF, which `tr` drops again
# before counting. Without a pty nothing is added and the output is counted as it comes, like the direct path's:
# an extra `tr` stage took 12-14% of this 2-core machine from the paths being measured.
tty=-T; [[ -z ${TTY:-} ]] || tty=-tt
count() { if [[ $tty == -tt ]]; then tr -d '\r' | wc -c; else wc -c; fi; }
hz=$(getconf CLK_TCK)
jg_cpu_ms() { awk -v hz="$hz" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$jg_pid/stat"; }
jg_sys_ms() { awk -v hz="$hz" '{print int($15 * 1000 / hz)}' "/proc/$jg_pid/stat"; }
run() { # rec_0 | plain_0 | direct -> MiB/s (and the gateway's CPU ms per MiB in $tmp/cpu.NAME)
  local t0 t1 got c0 c1
  c0=$(jg_cpu_ms)
  t0=$(now_ms)
  if [[ $1 == direct ]]; then
    got=$(ssh -F "$tmp/ssh_config" -T target "cat $tmp/big.txt" | wc -c) || true
  else
    got=$(ssh -F "$tmp/ssh_config" "$tty" gw "$1" "cat $tmp/big.txt" | count) || true
  fi
  t1=$(now_ms)
  c1=$(jg_cpu_ms)
  [[ -z ${BENCH_DEBUG:-} ]] || echo "$1: sys $(jg_sys_ms) ms total $c1 ms" >&2
  [[ $1 == direct ]] || awk -v c=$((c1 - c0)) -v b="$size" 'BEGIN {printf "%.2f\n", c / (b / 1048576)}' >> "$tmp/cpu.$1"
  [[ $got == "$size" ]] || { echo "$1: got $got of $size bytes; gateway log: $(tail -5 "$tmp/jumpgate.log")" >&2; exit 1; }
  awk -v ms=$((t1 - t0)) -v b="$size" 'BEGIN {printf "%.1f\n", b / 1048576 / (ms / 1000)}'
}

# Warm up (JIT compilation in Jumpgate, page cache), then drop the warm-up recordings. One run of each path is not
# enough: measured on this 2-core machine, the JIT compiler threads still used at least 0.8 s of CPU during the next
# recorded run and 0.5 s during the next unrecorded one, taken from whichever path ran first. So warm-up pairs repeat until a
# pair costs the compilers under 150 ms (at most 8 pairs), and the compilers' CPU during the measured rounds is printed.
jit_ms() { # CPU ms (user + system) of the gateway's JIT compiler threads so far
  local s=0 t
  for t in /proc/"$jg_pid"/task/*; do
    # The thread name ("C2 CompilerThre") holds a space: fields are counted after its closing parenthesis.
    if grep -q Compiler "$t/comm" 2>/dev/null; then s=$((s + $(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0))); fi
  done
  echo $((s * 1000 / hz))
}
run direct >/dev/null
warm=0
while (( warm < 8 )); do
  j0=$(jit_ms); run rec_0 >/dev/null; run plain_0 >/dev/null; j1=$(jit_ms)
  warm=$((warm + 1))
  (( j1 - j0 >= 150 )) || break
done
rm -f "$tmp"/recordings/*.cast "$tmp"/cpu.*
jit0=$(jit_ms)

: > "$tmp/r.rec"; : > "$tmp/r.plain"; : > "$tmp/r.direct"
for i in $(seq 1 "$ROUNDS"); do
  if (( i % 2 )); then run rec_0 >> "$tmp/r.rec"; run plain_0 >> "$tmp/r.plain"
  else run plain_0 >> "$tmp/r.plain"; run rec_0 >> "$tmp/r.rec"; fi
  run direct >> "$tmp/r.direct"
done
jit1=$(jit_ms)
rec=$(median < "$tmp/r.rec"); plain=$(median < "$tmp/r.plain"); direct=$(median < "$tmp/r.direct")
cast=$(ls -S "$tmp"/recordings/*.cast | head -1)
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'file: %d MiB of base64 text, %d rounds (median), ssh %s gw TARGET "cat FILE", aes128-gcm\n' "$((size / 1048576))" "$ROUNDS" "$tty"
printf 'recorded (required) %s MiB/s   unrecorded (off) %s MiB/s   direct to sshd %s MiB/s\n' "$rec" "$plain" "$direct"
printf 'recorded/unrecorded ratio %.2f (goal >= 0.90)   unrecorded/direct %.2f\n' \
  "$(awk -v a="$rec" -v b="$plain" 'BEGIN {print a / b}')" "$(awk -v a="$plain" -v b="$direct" 'BEGIN {print a / b}')"
echo "runs (MiB/s): recorded $(tr '\n' ' ' < "$tmp/r.rec")| unrecorded $(tr '\n' ' ' < "$tmp/r.plain")| direct $(tr '\n' ' ' < "$tmp/r.direct")"
printf 'gateway CPU per MiB (user+sys, median): recorded %s ms   unrecorded %s ms\n' \
  "$(median < "$tmp/cpu.rec_0")" "$(median < "$tmp/cpu.plain_0")"
echo "warm-up: $warm pairs (last one cost the JIT compilers $((j1 - j0)) ms); JIT compilers during the measured rounds: $((jit1 - jit0)) ms"
echo "largest recording: $(stat -c %s "$cast") bytes, $(($(wc -l < "$cast") - 1)) events"
