#!/usr/bin/env bash
# Install the host programs the tests and the stand-in bases need, from Debian's packages.
# Each one is installed only when missing; on a host where apt-get is not ours to use, print what is missing.
set -euo pipefail

# program-on-PATH:debian-package
readonly NEEDS=(
  debootstrap:debootstrap         # stand-in debian:<suite> bases (scripts/bases)
  chromium:chromium               # browser tests (tests/browser), driven by Playwright
  docker-registry:docker-registry # a real registry on loopback for the deploy test
)

missing=()
for need in "${NEEDS[@]}"; do
  command -v "${need%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${need%%:*}" ] || missing+=("${need##*:}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  printf 'host-deps: missing: %s; install them (Debian package names) and run again\n' "${missing[*]}" >&2
  exit 2
fi
printf 'host-deps: installing %s\n' "${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
