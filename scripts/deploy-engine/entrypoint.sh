#!/bin/sh
# The deploy-e2e check's private engine, started by scripts/journey/deploy_engine.py as the container's
# command (privileged, --network none: its network namespace holds only a loopback interface).
#
#   1. the run's CA where dockerd reads a private registry's CA: /etc/docker/certs.d/<address>/ca.crt
#      (the container's own /etc, never the host's);
#   2. Docker's registry on [::1]:<port> with the run's TLS and htpasswd config (bind-mounted, read-only);
#   3. socat: that TLS port on a unix socket in the shared folder, the way the check reads the registry;
#   4. dockerd on a unix socket in the shared folder, owned by the calling user's group; it runs no
#      container (--bridge=none, no iptables) and keeps its images on the tmpfs the container was given.
# Every variable below is set by deploy_engine.container_kwargs.
set -eu
: "${JOURNEY_CA:?}" "${JOURNEY_REGISTRY_ADDRESS:?}" "${JOURNEY_REGISTRY_CONFIG:?}" "${JOURNEY_REGISTRY_PORT:?}"
: "${JOURNEY_SOCKETS:?}" "${JOURNEY_UID:?}" "${JOURNEY_GID:?}"

# Docker switches IPv6 off in a container whose network has none; the registry's address is ::1.
echo 0 >/proc/sys/net/ipv6/conf/lo/disable_ipv6

certs="/etc/docker/certs.d/${JOURNEY_REGISTRY_ADDRESS}"
mkdir -p "$certs"
cp "$JOURNEY_CA" "$certs/ca.crt"

docker-registry serve "$JOURNEY_REGISTRY_CONFIG" &
socat "UNIX-LISTEN:${JOURNEY_SOCKETS}/registry.sock,fork,user=${JOURNEY_UID},group=${JOURNEY_GID},mode=600" \
  "TCP6:[::1]:${JOURNEY_REGISTRY_PORT}" &

exec dockerd --host "unix://${JOURNEY_SOCKETS}/docker.sock" --group "$JOURNEY_GID" \
  --bridge=none --iptables=false --ip6tables=false --storage-driver=vfs \
  --data-root=/var/lib/docker --exec-root=/run/docker --pidfile=/run/docker.pid --log-level=warn
