#!/bin/sh
# The build farm, started by scripts/journey/farm.py as the container's command (privileged,
# --network none: its network namespace holds only a loopback interface, so 127.0.0.1:5000 and the
# module server's port are the farm's own and nothing it does leaves the machine).
#
# Every server runs as a child of this script, so the container's process tree is the farm's: its CPU
# time is what the hang watchdog counts. Configs come from farm.py in the shared folder ($JOURNEY_FARM,
# a temporary folder of the calling user); logs and unix sockets go there too, the sockets owned by the
# caller's group. What the servers store (images, blobs, BuildKit's cache) is under /farm, the
# container's own volume, removed with it.
set -eu
: "${JOURNEY_FARM:?}" "${JOURNEY_GID:?}" "${JOURNEY_BUILDKITD:?}"

log() { printf '%s/%s.log' "$JOURNEY_FARM" "$1"; }

# cgroup v2: leave the root cgroup, so dockerd and buildkitd may hand controllers to what they start.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers \
    >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || :
fi

docker-registry serve "${JOURNEY_FARM}/registry.yml" >"$(log registry)" 2>&1 &

if [ -n "${JOURNEY_MODULES:-}" ]; then
  : "${JOURNEY_GOPROXY_PORT:?}"
  python3 -m http.server -b 127.0.0.1 -d "$JOURNEY_MODULES" "$JOURNEY_GOPROXY_PORT" >"$(log modules)" 2>&1 &
fi

"$JOURNEY_BUILDKITD" --config "${JOURNEY_FARM}/buildkitd.toml" --root /farm/buildkit \
  --addr "unix://${JOURNEY_FARM}/buildkitd.sock" --group "$JOURNEY_GID" \
  --allow-insecure-entitlement network.host >"$(log buildkitd)" 2>&1 &

dockerd --host "unix://${JOURNEY_FARM}/docker.sock" --group "$JOURNEY_GID" \
  --config-file "${JOURNEY_FARM}/daemon.json" --bridge=none --iptables=false --ip6tables=false \
  --data-root=/farm/docker --exec-root=/run/docker --pidfile=/run/docker.pid >"$(log dockerd)" 2>&1 &

wait
