#!/usr/bin/env bash
# Make sure a Docker engine answers. Idempotent: does nothing when one already does.
#   1. an engine answers at DOCKER_HOST or the default socket -> use it
#   2. root with apt -> install Debian's docker.io (and iptables), start dockerd in
#      the background, wait (bounded) until it answers
#   3. otherwise -> stop with a message that says what to do
# Either way, as root with apt, tc (iproute2) and tcpdump are installed if missing:
# the harness throttles a node's link with tc and keeps a pcap of each failed scenario.
set -euo pipefail

log_dir="${GNUTELLA_DOCKERD_LOG_DIR:-/var/log}"
dockerd_log="$log_dir/gnutella-dockerd.log"
wait_seconds="${GNUTELLA_DOCKERD_WAIT_SECONDS:-60}"

say() { printf 'setup-docker: %s\n' "$*" >&2; }

engine_answers() {
  command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1
}

missing_tools=()
if ! command -v tc >/dev/null 2>&1 && [ ! -x /usr/sbin/tc ] && [ ! -x /sbin/tc ]; then
  missing_tools+=(iproute2)
fi
if ! command -v tcpdump >/dev/null 2>&1 && [ ! -x /usr/bin/tcpdump ] && [ ! -x /usr/sbin/tcpdump ]; then
  missing_tools+=(tcpdump)
fi
if [ "${#missing_tools[@]}" -gt 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing ${missing_tools[*]} (apt-get install -y ${missing_tools[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing_tools[@]}" >/dev/null
fi

if engine_answers; then
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  say "DOCKER_HOST=$DOCKER_HOST is set but no engine answers there."
  say "Start that engine, or unset DOCKER_HOST to let this script start a local one."
  exit 1
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  say "no Docker engine answers and this script can only install one as root with apt."
  say "Start a Docker engine (or set DOCKER_HOST to one) and run the command again."
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v iptables >/dev/null 2>&1; then
  say "installing Debian's docker.io (apt-get update; apt-get install -y docker.io iptables)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  # A dockerd that died uncleanly leaves its pid file, and a new one refuses to start.
  rm -f /var/run/docker.pid
  mkdir -p "$log_dir"
  say "starting dockerd in the background; its log is $dockerd_log"
  # containerd comes with docker.io; dockerd starts its own when none runs.
  nohup dockerd >"$dockerd_log" 2>&1 &
fi

deadline=$((SECONDS + wait_seconds))
until engine_answers; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "dockerd did not answer within ${wait_seconds}s. Its log ($dockerd_log) ends with:"
    tail -n 20 "$dockerd_log" >&2 || true
    exit 1
  fi
  sleep 1
done
say "Docker engine ready (log: $dockerd_log)"
