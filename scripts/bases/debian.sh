#!/usr/bin/env bash
# Stand-in for the official debian:<suite> image, made from Debian's own packages.
#
# Usage: scripts/bases/debian.sh SUITE [TAG]     (TAG defaults to debian:SUITE)
#
# The official image is a debootstrap'd minbase root filesystem with the archive's downloaded
# packages, package lists and logs removed and a few apt settings that keep later layers small
# (debuerreotype). This recipe does the same, then `docker import`s the tree with provenance labels
# (org.golangjourney.standin.*), so results can say that a stand-in, not the real image, was used.
#
# The root filesystem comes from debootstrap, as the official image's does (debuerreotype). mmdebstrap
# (JOURNEY_BOOTSTRAP=mmdebstrap) builds the same minbase package set in about half the time, but its
# dpkg/debconf bookkeeping files come out 0.3 MB smaller, farther from the official size (README, "How
# long it takes", has both measured); the faster one becomes the default only if it is as faithful.
set -euo pipefail

readonly SUITE=${1:?usage: debian.sh SUITE [TAG]}
readonly TAG=${2:-debian:${SUITE}}
readonly MIRROR=${JOURNEY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
readonly SECURITY_MIRROR=${JOURNEY_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly HERE

say() { printf 'bases: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 5; }

[ "$(id -u)" -eq 0 ] || die "building ${TAG} needs root (mmdebstrap or debootstrap); or pull the real image"
find_tool() { command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } || true; }
readonly BOOTSTRAP=${JOURNEY_BOOTSTRAP:-debootstrap}
case $BOOTSTRAP in debootstrap | mmdebstrap) ;; *) die "JOURNEY_BOOTSTRAP=${BOOTSTRAP}: use debootstrap or mmdebstrap" ;; esac
BOOTSTRAP_BIN=$(find_tool "$BOOTSTRAP")
readonly BOOTSTRAP_BIN
[ -n "$BOOTSTRAP_BIN" ] || die "${BOOTSTRAP} is missing: run 'make host-deps' (Debian package ${BOOTSTRAP})"

WORK=$(mktemp -d /var/tmp/journey-debian-XXXXXX)
readonly WORK
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
readonly ROOTFS=${WORK}/rootfs

# The digest of this recipe: bases.py compares it with the label to notice a changed recipe.
recipe_digest() { (cd "$HERE" && sha256sum debian.sh) | sha256sum | awk '{print "sha256:" $1}'; }

bootstrap() {
  local log=${WORK}/${BOOTSTRAP}.log
  say "${BOOTSTRAP} --variant=minbase ${SUITE} (about 30 s; log: ${log} while it runs)"
  local -a argv=("$BOOTSTRAP_BIN" --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR")
  # mmdebstrap: a plain directory as root, like debootstrap's result; its own apt cache is not kept.
  [ "$BOOTSTRAP" = debootstrap ] || argv=("$BOOTSTRAP_BIN" --mode=root --format=directory --variant=minbase
                                          "$SUITE" "$ROOTFS" "$MIRROR")
  if ! "${argv[@]}" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "${BOOTSTRAP} of ${SUITE} failed (see the lines above)"
  fi
}

# apt settings of the official images, written in our words: delete downloaded .debs after every
# install, keep package lists gzipped, fetch no translations, do not keep suggested packages.
configure_apt() {
  local conf=${ROOTFS}/etc/apt/apt.conf.d
  cat >"${conf}/docker-clean" <<'CONF'
// Container images should not keep downloaded packages: remove them after each dpkg run.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
  printf 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n' >"${conf}/docker-gzip-indexes"
  printf 'Acquire::Languages "none";\n' >"${conf}/docker-no-languages"
  printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"${conf}/docker-autoremove-suggests"
  # Services must not start while packages are installed during an image build.
  printf '#!/bin/sh\nexit 101\n' >"${ROOTFS}/usr/sbin/policy-rc.d"
  chmod 755 "${ROOTFS}/usr/sbin/policy-rc.d"
  rm -f "${ROOTFS}/etc/apt/sources.list"
  cat >"${ROOTFS}/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: ${MIRROR}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${SECURITY_MIRROR}
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
}

# What debootstrap leaves behind that an image should not carry.
minimize() {
  rm -rf "${ROOTFS}"/var/lib/apt/lists/* "${ROOTFS}"/var/cache/apt/*.bin \
         "${ROOTFS}"/var/cache/apt/archives/*.deb "${ROOTFS}"/var/cache/apt/archives/partial/* \
         "${ROOTFS}"/var/cache/ldconfig/aux-cache "${ROOTFS}"/var/log/bootstrap.log \
         "${ROOTFS}"/debootstrap
  find "${ROOTFS}/var/log" -type f -exec truncate -s 0 {} +
  : >"${ROOTFS}/etc/machine-id"
  # The engine provides these at run time.
  rm -f "${ROOTFS}/etc/resolv.conf" "${ROOTFS}/etc/hostname"
}

# Debian packages whose versions say what this image is.
package_versions() {
  dpkg-query --admindir="${ROOTFS}/var/lib/dpkg" -W -f '${Package}=${Version} ' \
    base-files libc6 dpkg apt tzdata | sed 's/ $//'
}

# Every installed package and its version, sorted, on one line: the identity covers all of them (not
# only those that matter), so a package that moved makes a new identity and a drift report names it.
package_list() {
  dpkg-query --admindir="${ROOTFS}/var/lib/dpkg" -W -f '${Package}=${Version}\n' | LC_ALL=C sort | paste -sd' '
}

import_image() {
  local built packages digest all
  built=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  packages=$(package_versions)
  all=$(package_list)
  digest=$(recipe_digest)
  say "docker import as ${TAG}"
  tar -C "$ROOTFS" --numeric-owner --sort=name --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
      -c . | docker import \
    --change "LABEL org.golangjourney.standin.for=\"docker.io/library/debian:${SUITE}\"" \
    --change "LABEL org.golangjourney.standin.recipe=\"scripts/bases/debian.sh ${SUITE}\"" \
    --change "LABEL org.golangjourney.standin.recipe-digest=\"${digest}\"" \
    --change "LABEL org.golangjourney.standin.packages=\"${packages}\"" \
    --change "LABEL org.golangjourney.standin.package-list=\"${all}\"" \
    --change "LABEL org.golangjourney.standin.built=\"${built}\"" \
    --change "LABEL org.opencontainers.image.title=\"debian:${SUITE} (stand-in)\"" \
    --change "LABEL org.opencontainers.image.description=\"debootstrap --variant=minbase ${SUITE}, minimized like the official image\"" \
    --change "LABEL org.opencontainers.image.created=\"${built}\"" \
    --change "LABEL org.opencontainers.image.version=\"${SUITE}\"" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    - "$TAG" >/dev/null
}

bootstrap
configure_apt
minimize
import_image
say "built ${TAG}: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$TAG")"
