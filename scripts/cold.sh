#!/usr/bin/env bash
# The cold path, measured: put this machine in the cold state, then run the README's two commands and
# time every step (`make cold-bench`). The figures go to stdout and to build/cold-bench.txt.
# JOURNEY_COLD_VERIFY_ALL=1 also times the full proof (`make verify-all`, then again as a no-op) before
# `make test`; JOURNEY_COLD_TEST=0 leaves `make test` out. The full proof's own report (per-snippet
# times, the critical path, drift) is in build/report/.
#
# The cold state is what a newcomer's fresh machine has: no .venv, no uv or pip cache, no Go module or
# build cache, no image and no BuildKit cache, no engine running. Installed host packages (docker.io,
# chromium, debootstrap) stay: a fresh machine installs them in well under a minute (see README).
#
# It DELETES every image, container and build cache of the engine it stops, so it runs only when asked:
# JOURNEY_COLD_OK=1, as root, with the engine that scripts/engine.sh starts (not Docker Desktop).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly OUT=build/cold-bench.txt
readonly PIDFILE=${JOURNEY_DOCKERD_PIDFILE:-/var/run/docker.pid}

say() { printf 'cold: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 2; }

[ "${JOURNEY_COLD_OK:-0}" = 1 ] || die "this wipes every image and cache of the engine; run with JOURNEY_COLD_OK=1"
[ "$(id -u)" -eq 0 ] || die "needs root (it stops dockerd and empties its store)"
[ -z "${DOCKER_HOST:-}" ] || die "DOCKER_HOST is set: refusing to wipe an engine this script did not start"

to_cold_state() {
  if docker info >/dev/null 2>&1; then
    say "removing every container, image and the BuildKit cache"
    docker ps --all --format '{{.ID}}' | xargs -r docker rm -f >/dev/null
    docker system prune -af --volumes >/dev/null
    docker builder prune -af >/dev/null
  fi
  if [ -f "$PIDFILE" ]; then
    say "stopping dockerd (pid $(cat "$PIDFILE"))"
    kill "$(cat "$PIDFILE")" 2>/dev/null || true
    for _ in $(seq 60); do [ -f "$PIDFILE" ] || break; sleep 1; done
  fi
  ! docker info >/dev/null 2>&1 || die "an engine still answers (not one scripts/engine.sh started?)"
  say "removing .venv, the checkout's caches, uv, pip and Go caches"
  rm -rf .venv .cache site build "${HOME}/.cache/uv" "${HOME}/.cache/pip"
  if command -v go >/dev/null; then go clean -cache -modcache; fi
  rm -rf "$(go env GOCACHE 2>/dev/null || echo /nonexistent)"
}

declare -a ROWS=()
timed() {
  local label=$1 start end rc=0
  shift
  say "step: ${label}: $*"
  start=$(date +%s.%N)
  "$@" || rc=$?
  end=$(date +%s.%N)
  ROWS+=("$(awk -v l="$label" -v s="$start" -v e="$end" -v r="$rc" \
    'BEGIN { printf "| %s | %.0f s | %s |", l, e - s, (r == 0 ? "ok" : "exit " r) }')")
  return "$rc"
}

report() {
  mkdir -p build
  {
    printf 'Cold path on %s (%s cores, %s), %s\n\n' "$(hostname)" "$(nproc)" \
      "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)" "$(date -u +%Y-%m-%dT%H:%MZ)"
    printf '| step | wall | outcome |\n| --- | ---: | --- |\n'
    printf '%s\n' "${ROWS[@]}"
    printf '\nchanged paths after these commands: %s\n' "$(git status --porcelain | wc -l)"
  } | tee "$OUT"
}

main() {
  to_cold_state
  local rc=0
  # Nothing is stale on a clean checkout: this installs the tool and builds the site, with no engine at all.
  timed "make site (cold: locked install, check, mkdocs; no engine)" make site || rc=$?
  git status --porcelain >&2
  ROWS+=("| changed paths after the cold make site (git status) | $(git status --porcelain | wc -l) | |")
  [ "$rc" = 0 ] && { timed "make site again (no-op)" make site || rc=$?; }
  if [ "$rc" = 0 ] && [ "${JOURNEY_COLD_VERIFY_ALL:-0}" = 1 ]; then
    # The full proof from here: engine, every base (the arm64 one under QEMU), every snippet; exit 6 is drift.
    # make exits 2 whatever verify exits with; verify's own code (6: drift, a finding, not a failure) is
    # in the report folder. The no-op re-run reports elsewhere, so the first run's drift report stays.
    timed "make verify-all (cold: engine, every base, every snippet)" make verify-all || rc=$?
    if [ "$rc" != 0 ] && [ "$(cat build/report/exit-code 2>/dev/null)" = 6 ]; then rc=0; fi
    if [ "$rc" = 0 ]; then
      timed "make verify-all again (no-op)" make verify-all REPORT=build/report-noop || rc=$?
    fi
  fi
  [ "$rc" = 0 ] && [ "${JOURNEY_COLD_TEST:-1}" = 1 ] && { timed "make test" make test || rc=$?; }
  report
  return "$rc"
}

main "$@"
