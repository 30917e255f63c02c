#!/usr/bin/env bash
# `make site`: the site from the recorded results, verifying only what changed since they were recorded.
#
# A recorded result is trusted while its snippet's files are as they were verified (its source digest,
# which needs no engine: `journey plan --stale` lists the others). Only when such a snippet exists does
# this script make an engine answer (scripts/engine.sh), install the host programs verifying needs and
# make the base images those snippets name, and then only those. A fresh clone verifies nothing and
# needs no engine. The full proof is `make verify-all` here, or the fan-out in CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly BIN=.venv/bin
say() { printf 'site: %s\n' "$*" >&2; }

mapfile -t stale < <("${BIN}/journey" plan --stale)
if [ "${#stale[@]}" -gt 0 ]; then
  say "${#stale[@]} snippets changed since their results were recorded: ${stale[*]}"
  if bash scripts/engine.sh; then
    bash scripts/host-deps.sh site
    # exit 5 (a base nobody can have offline) goes on: verify records those snippets as not verified
    "${BIN}/journey" bases "${stale[@]}" || [ $? -eq 5 ]
    "${BIN}/journey" verify "${stale[@]}"
  else
    say "NO DOCKER ENGINE: these snippets cannot be verified here, and journey check will say they are stale"
  fi
fi
"${BIN}/journey" check
"${BIN}/mkdocs" build --strict
"${BIN}/journey" plan --summary --reverified "${#stale[@]}"
