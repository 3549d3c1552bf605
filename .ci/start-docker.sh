#!/usr/bin/env bash
# Starts the Docker engine if it is not answering (services do not start by themselves on
# these machines) and waits, bounded, until it does.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  exit 0
fi
log="${DOCKERD_LOG:-/tmp/baton-dockerd.log}"
echo "Starting dockerd (log: $log)"
# The engine outlives this script: it must not inherit descriptors beyond stdio (a lock held by
# whoever started it, such as flock's, would otherwise stay held for as long as dockerd runs).
(
  for fd in /proc/self/fd/*; do
    n=${fd##*/}
    if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi
  done
  exec nohup dockerd >"$log" 2>&1
) &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    exit 0
  fi
  sleep 0.5
done
echo "dockerd did not answer within 30 s; its log:" >&2
tail -50 "$log" >&2
exit 1
