#!/usr/bin/env bash
# Runs a command inside a private, uniquely named network namespace, so WebRTC and browser
# tests gather candidates and send traffic only there.
#
#   bash scripts/with-netns.sh pnpm vitest run --project @gossamer/webrtc --project webrtc-integration
#
# The namespace has lo up, a veth pair v0/v1 (10.77.0.1/24, 10.77.0.2/24, both inside it) and
# a default route through v0 (Chromium gathers no candidates without one). It is deleted on
# exit, even when the command fails or the script is interrupted. The command runs with
# GOSSAMER_NETNS=1, which is what enables the WebRTC test projects. Needs root. Exits with
# the command's exit code.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: bash scripts/with-netns.sh <command...>" >&2
  exit 64
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "with-netns: needs root (ip netns)" >&2
  exit 77
fi

# Namespace names are at most 15 characters on some iproute2 builds: keep it short and unique.
NS="gsm$$-$RANDOM"
created=0

cleanup() {
  local code=$?
  if [[ $created -eq 1 ]]; then
    ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || echo "with-netns: could not delete namespace $NS" >&2
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$NS"
created=1
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
in_ns ip link add v0 type veth peer name v1
in_ns ip addr add 10.77.0.1/24 dev v0
in_ns ip addr add 10.77.0.2/24 dev v1
in_ns ip link set v0 up
in_ns ip link set v1 up
in_ns ip route add default dev v0

set +e
GOSSAMER_NETNS=1 ip netns exec "$NS" "$@"
code=$?
set -e
exit "$code"
