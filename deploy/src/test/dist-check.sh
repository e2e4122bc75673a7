#!/usr/bin/env bash
# Checks the distribution tarball as an operator unpacks it (run by Maven in the deploy module's integration-test
# phase, after the tarball is built):
#   deploy/src/test/dist-check.sh deploy/target/jumpgate-VERSION-dist.tar.gz [REQUIRED=true|false]
# - every file the install steps name is there, bin/jumpgate executable;
# - bin/jumpgate works through a symlink (as /usr/local/bin/jumpgate): every sample config passes check-config,
#   a bad one exits 2 naming the key;
# - the files agree with each other: the port each sample config listens on is the one its Dockerfile exposes and
#   its NSG opens, cloud-init moves the VM's own sshd off that port and keeps the image's default (admin) user;
# - systemd-analyze verify accepts the unit (REQUIRED=true: systemd-analyze must exist).
set -euo pipefail
tarball=$1
required=${2:-false}
fail() { echo "dist-check: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar xzf "$tarball" -C "$tmp"
d="$tmp/jumpgate"
for f in jumpgate.jar bin/jumpgate README.md Dockerfile systemd/jumpgate.service config/jumpgate.yaml \
         azure/main.bicep azure/role-assignment.bicep azure/cloud-init.yaml azure/jumpgate.yaml azure/README.md; do
  [[ -f "$d/$f" ]] || fail "missing $f in $tarball"
done
[[ -x "$d/bin/jumpgate" ]] || fail "bin/jumpgate is not executable"

mkdir "$tmp/usr-local-bin"
ln -s "$d/bin/jumpgate" "$tmp/usr-local-bin/jumpgate"
cli="$tmp/usr-local-bin/jumpgate"
for c in config/jumpgate.yaml azure/jumpgate.yaml; do
  out=$("$cli" check-config "$d/$c" 2>&1) || fail "check-config $c: $out"
  [[ $out == ok:* ]] || fail "check-config $c printed: $out"
done
printf 'ssh:\n  listen: 127.0.0.1:70000\n' > "$tmp/bad.yaml"
set +e
out=$("$cli" check-config "$tmp/bad.yaml" 2>&1); rc=$?
set -e
(( rc == 2 )) || fail "check-config of a bad config exited $rc: $out"
[[ $out == *"ssh.listen"* ]] || fail "check-config did not name ssh.listen: $out"

# The listen port of a sample config: "listen: HOST:PORT" under ssh:.
listen_port() { awk '/^ssh:/ {s=1; next} /^[^ #]/ {s=0} s && $1 == "listen:" {n=split($2, a, ":"); print a[n]; exit}' "$1"; }
docker_port=$(listen_port "$d/config/jumpgate.yaml")
grep -Eq "^EXPOSE .*\\b$docker_port\\b" "$d/Dockerfile" || fail "Dockerfile does not expose $docker_port, the port config/jumpgate.yaml listens on"
pool=$(sed -n 's/.*frontendPortRangeStart: *\([0-9]*\), *frontendPortRangeEnd: *\([0-9]*\).*/\1-\2/p' "$d/config/jumpgate.yaml")
[[ -n $pool ]] || fail "no NAT pool in config/jumpgate.yaml"
grep -Eq "^EXPOSE .*\\b$pool\\b" "$d/Dockerfile" || fail "Dockerfile does not expose the RDP pool $pool"

azure_port=$(listen_port "$d/azure/jumpgate.yaml")
grep -A12 "name: 'allow-jumpgate-ssh'" "$d/azure/main.bicep" | grep -q "destinationPortRange: '$azure_port'" \
  || fail "main.bicep's allow-jumpgate-ssh rule does not open $azure_port, the port azure/jumpgate.yaml listens on"
if [[ $azure_port == 22 ]]; then
  grep -q "Port 2200" "$d/azure/cloud-init.yaml" || fail "cloud-init leaves the VM's sshd on 22, where Jumpgate listens"
fi
awk '/^users:/ {u=1; next} /^[^ ]/ {u=0} u && /^  - default([ \t]|$)/ {found=1} END {exit !found}' "$d/azure/cloud-init.yaml" \
  || fail "cloud-init's users: lacks '- default' (the image's admin user would not be created)"
grep -q '@minLength(1)' "$d/azure/main.bicep" || fail "main.bicep lets allowedSources be empty (an NSG rule without sources)"

if command -v systemd-analyze >/dev/null; then
  cp "$d/systemd/jumpgate.service" "$tmp/jumpgate.service"
  out=$(systemd-analyze verify "$tmp/jumpgate.service" 2>&1) || fail "systemd-analyze verify: $out"
  [[ -z $out ]] || fail "systemd-analyze verify warns: $out"
elif [[ $required == true ]]; then
  fail "systemd-analyze is missing (install systemd) and peers are required"
else
  echo "dist-check: systemd-analyze missing, unit not verified" >&2
fi
echo "dist-check: ok ($tarball)"
