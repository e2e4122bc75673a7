#!/usr/bin/env bash
# Recorded vs unrecorded SSH session throughput, same run, same target.
#   bench/recording.sh [MIB=256] [ROUNDS=3]
# Starts (as root, in a temp dir, on probed 127.0.0.x ports) a real OpenSSH sshd target and a minimal MINA
# server hosting RecordedSession (test sources: RecordingBench) twice: recording required, and recording off.
# Then, alternating, times `ssh -T gw 'cat BIG'` (base64 text, aes128-gcm) through each, plus straight to the
# target for reference, and prints MiB/s and the recorded/unrecorded ratio. Goal: recording costs <= 10%.
# When the gateway server lands, the same measurement can run against `jumpgate` with a recorded role.
set -euo pipefail
MIB=${1:-256}
ROUNDS=${2:-3}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $(id -u) == 0 ]] || { echo "run as root (sshd target on a probed port)" >&2; exit 2; }
for x in /usr/sbin/sshd ssh ssh-keygen java mvn; do command -v "$x" >/dev/null || { echo "missing $x" >&2; exit 2; }; done
id jgtest >/dev/null 2>&1 || { echo "missing login user jgtest (useradd -m -s /bin/bash jgtest; echo 'jgtest:jgtest-Pass-2026' | chpasswd)" >&2; exit 2; }

work=$(mktemp -d /tmp/jumpgate-recbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$here"
# Reactor build (never `mvn install`): the gateway module runs last, so its test classpath is what stays in cp.txt.
mvn -q -o -B -pl gateway -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="gateway/target/test-classes:gateway/target/classes:$(cat "$work/cp.txt")"
java ${JAVA_OPTS:-} -Xmx1g -cp "$cp" io.jumpgate.gateway.recording.RecordingBench "$work/run" "$MIB" "$ROUNDS"
