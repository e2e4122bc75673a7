# Shared by the bench scripts (sourced): temp dir and process cleanup, port probing, timing, ssh client options.
# Every address is on loopback; every wait is bounded.

# bench_tmp PREFIX: makes $tmp, and kills everything in ${pids[@]} and removes $tmp on exit.
bench_tmp() {
  tmp=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
  mkdir -p /run/sshd
}

probe() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }

wait_port() { # host port what
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "$3 did not start on $1:$2" >&2; exit 1
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# The client side of every ssh in the benches: one key, no agent, no prompts, aes128-gcm, no multiplexing.
ssh_client_defaults() { # key
  cat <<CONF
Host *
  IdentityFile $1
  IdentitiesOnly yes
  IdentityAgent none
  BatchMode yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  Ciphers aes128-gcm@openssh.com
  Compression no
  ControlMaster no
CONF
}
