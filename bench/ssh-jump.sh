#!/usr/bin/env bash
# Jumpgate vs an OpenSSH jump host, on loopback, same client, same target, same cipher.
#   bench/ssh-jump.sh [RUNS_HANDSHAKE=20] [RUNS_BULK=3]
# Starts (as root, in a temp dir, on probed ports): an OpenSSH sshd target, an OpenSSH sshd jump host, and
# Jumpgate; then, alternating between the two jump hosts, measures the median `ssh -J … true` time and the
# median throughput of 1 GiB through the jump (aes128-gcm@openssh.com on both hops), and prints ratios.
set -euo pipefail
RUNS_HS=${1:-20}
RUNS_BULK=${2:-3}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$here/gateway/target/jumpgate.jar"
[[ $(id -u) == 0 ]] || { echo "run as root (the target and jump sshd log in as root)" >&2; exit 2; }
for x in /usr/sbin/sshd ssh ssh-keygen python3 java; do command -v "$x" >/dev/null || { echo "missing $x" >&2; exit 2; }; done
[[ -f "$jar" ]] || (cd "$here" && mvn -q -B -DskipTests package)

source "$here/bench/lib.sh"
bench_tmp jumpgate-bench

start_sshd() { # name host -> sets PORT (no command substitution: the daemon would hold its pipe open)
  local name=$1 host=$2 port
  ssh-keygen -q -t ed25519 -N '' -f "$tmp/$name.hostkey" >/dev/null
  for _ in 1 2 3 4 5; do
    port=$(probe "$host")
    cat > "$tmp/$name.conf" <<CONF
ListenAddress $host:$port
HostKey $tmp/$name.hostkey
AuthorizedKeysFile $tmp/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PasswordAuthentication no
AllowTcpForwarding yes
PidFile none
LogLevel ERROR
Ciphers aes128-gcm@openssh.com
CONF
    /usr/sbin/sshd -D -e -f "$tmp/$name.conf" >"$tmp/$name.log" 2>&1 </dev/null &
    local pid=$!
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then pids+=("$pid"); PORT=$port; return 0; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
  done
  echo "cannot start $name sshd: $(cat "$tmp/$name.log")" >&2; exit 1
}

ssh-keygen -q -t ed25519 -N '' -f "$tmp/client" >/dev/null
cp "$tmp/client.pub" "$tmp/authorized_keys"
TARGET_HOST=127.0.0.201; OSJ_HOST=127.0.0.202; JG_HOST=127.0.0.1
start_sshd target "$TARGET_HOST"; TARGET_PORT=$PORT
start_sshd jump "$OSJ_HOST"; OSJ_PORT=$PORT

JG_PORT=$(probe "$JG_HOST")
cat > "$tmp/jumpgate.yaml" <<YAML
dataDir: $tmp/jg
ssh:
  listen: $JG_HOST:$JG_PORT
limits:
  allowLoopbackTargets: true
inventory:
  static:
    - {name: bench_0, address: $TARGET_HOST}
roles:
  - {name: bench, targets: [bench_0], ports: [$TARGET_PORT]}
users:
  - name: bench
    roles: [bench]
    authorizedKeys: ["$(cat "$tmp/client.pub")"]
YAML
java ${JUMPGATE_JAVA_OPTS:-} -jar "$jar" run --config "$tmp/jumpgate.yaml" >"$tmp/jumpgate.log" 2>&1 </dev/null &
pids+=("$!")
wait_port "$JG_HOST" "$JG_PORT" Jumpgate

cat > "$tmp/ssh_config" <<CONF
Host jg
  HostName $JG_HOST
  Port $JG_PORT
  User bench
Host osj
  HostName $OSJ_HOST
  Port $OSJ_PORT
  User root
Host via-jg
  HostName bench_0
  ProxyJump jg
Host via-osj
  HostName $TARGET_HOST
  ProxyJump osj
Host via-*
  Port $TARGET_PORT
  User root
  HostKeyAlias bench-target
CONF
ssh_client_defaults "$tmp/client" >> "$tmp/ssh_config"

hs() { local t0; t0=$(now_ms); ssh -F "$tmp/ssh_config" "via-$1" true; echo $(( $(now_ms) - t0 )); }
bulk() { # -> MB/s
  local t0 t1; t0=$(now_ms)
  head -c 1G /dev/zero | ssh -F "$tmp/ssh_config" "via-$1" 'cat > /dev/null'
  t1=$(now_ms); awk -v ms=$((t1 - t0)) 'BEGIN {printf "%.1f\n", 1073.741824 / (ms / 1000)}'
}

# Warm up both paths (JIT compilation in Jumpgate, page cache for sshd).
for _ in 1 2 3; do hs jg >/dev/null; hs osj >/dev/null; done
head -c 64M /dev/zero | ssh -F "$tmp/ssh_config" via-jg 'cat > /dev/null'

: > "$tmp/hs.jg"; : > "$tmp/hs.osj"; : > "$tmp/bulk.jg"; : > "$tmp/bulk.osj"
for i in $(seq 1 "$RUNS_HS"); do
  if (( i % 2 )); then hs jg >> "$tmp/hs.jg"; hs osj >> "$tmp/hs.osj"; else hs osj >> "$tmp/hs.osj"; hs jg >> "$tmp/hs.jg"; fi
done
for i in $(seq 1 "$RUNS_BULK"); do
  if (( i % 2 )); then bulk jg >> "$tmp/bulk.jg"; bulk osj >> "$tmp/bulk.osj"; else bulk osj >> "$tmp/bulk.osj"; bulk jg >> "$tmp/bulk.jg"; fi
done

hs_jg=$(median < "$tmp/hs.jg"); hs_osj=$(median < "$tmp/hs.osj")
bk_jg=$(median < "$tmp/bulk.jg"); bk_osj=$(median < "$tmp/bulk.osj")
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'handshake  ssh -J … true, median of %d:   Jumpgate %s ms   OpenSSH %s ms   ratio %.2f (goal <= 1.10)\n' \
  "$RUNS_HS" "$hs_jg" "$hs_osj" "$(awk -v a="$hs_jg" -v b="$hs_osj" 'BEGIN {print a / b}')"
printf 'throughput 1 GiB aes128-gcm, median of %d: Jumpgate %s MB/s   OpenSSH %s MB/s   ratio %.2f (goal >= 1.00)\n' \
  "$RUNS_BULK" "$bk_jg" "$bk_osj" "$(awk -v a="$bk_jg" -v b="$bk_osj" 'BEGIN {print a / b}')"
echo "runs (MB/s): Jumpgate $(tr '\n' ' ' < "$tmp/bulk.jg")| OpenSSH $(tr '\n' ' ' < "$tmp/bulk.osj")"
