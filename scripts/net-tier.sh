#!/usr/bin/env bash
# `pnpm test:net`: the WebRTC, Chromium, offline and SIGKILL tiers, run by vitest inside a
# private network namespace (scripts/with-netns.sh).
#
#   bash scripts/net-tier.sh <vitest paths...>
#
# @roamhq/wrtc (the native WebRTC stack of Node peers) now and then takes a whole test
# worker process down with it (a native crash while connections close). Vitest then
# reports "Worker exited unexpectedly" for a file whose tests never reported, and no test
# as failed. Only such a run is repeated, once, and it says so; a run in which any test
# failed is never repeated.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
code=1
for attempt in 1 2; do
  # One file at a time: Chromium pages and several @roamhq/wrtc peers per file already use
  # both cores, and timing-sensitive scenarios (failure detection, three browsers editing)
  # should not compete with each other.
  bash scripts/with-netns.sh pnpm vitest run --no-file-parallelism "$@" 2>&1 | tee "$log"
  code=${PIPESTATUS[0]}
  [[ $code -eq 0 ]] && exit 0
  plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  if [[ $attempt -eq 1 ]] && grep -q 'Worker exited unexpectedly' <<<"$plain" && ! grep -qE '^ *Tests .*[0-9]+ failed' <<<"$plain"; then
    echo "net tier: a worker process crashed inside the native WebRTC stack and no test failed; running the tier once more" >&2
    continue
  fi
  exit "$code"
done
exit "$code"
