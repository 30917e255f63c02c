#!/usr/bin/env bash
# The cold path, measured: put this machine in the cold state, then run the README's two commands and
# time every step (`make cold-bench`). The figures go to stdout and to build/cold-bench.txt.
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
    printf '\nresults/ after the cold make site: %s\n' "$(git status --porcelain results | wc -l) changed paths"
  } | tee "$OUT"
}

main() {
  to_cold_state
  local total_start rc=0
  total_start=$(date +%s)
  timed "make setup (locked install)" make setup || rc=$?
  [ "$rc" = 0 ] && { timed "make engine (start)" make engine || rc=$?; }
  [ "$rc" = 0 ] && { timed "make bases (stand-ins)" make bases || rc=$?; }
  [ "$rc" = 0 ] && { timed "make verify (every snippet)" make verify || rc=$?; }
  [ "$rc" = 0 ] && { timed "make site (check + mkdocs)" make site || rc=$?; }
  ROWS+=("| **make site from cold, in all** | **$(($(date +%s) - total_start)) s** | |")
  git status --porcelain results >&2
  [ "$rc" = 0 ] && { timed "make site again (no-op)" make site || rc=$?; }
  [ "$rc" = 0 ] && [ "${JOURNEY_COLD_TEST:-1}" = 1 ] && { timed "make test" make test || rc=$?; }
  report
  return "$rc"
}

main "$@"
