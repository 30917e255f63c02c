#!/usr/bin/env bash
# The weekly full proof's last step (site.yml, on schedule): merge the fan-out's parts over this checkout and,
# when a figure or an output moved (journey merge exits 6) or anything under results/ changed, push the
# re-recorded results to a branch of their own and open a pull request whose text is the drift report.
# Needs `gh` and GH_TOKEN (the workflow's token, with contents and pull-requests write).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly REPORT=build/report
say() { printf 'drift-pr: %s\n' "$*" >&2; }

rc=0
make --no-print-directory merge REPORT="${REPORT}" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 6 ] || exit "$rc"
if [ -z "$(git status --porcelain -- results)" ]; then
  say "no drift: every re-verified result is as recorded"
  exit 0
fi
branch="drift/$(date -u +%Y-%m-%d)"
git switch -c "$branch"
git add -- results
git -c user.name="journey drift" -c user.email="journey-drift@users.noreply.github.com" \
  commit -q -m "Re-recorded results: the weekly full proof found drift (see the pull request)"
git push -q origin "$branch"
gh pr create --base main --head "$branch" --title "Drift found by the weekly full proof ($(date -u +%Y-%m-%d))" \
  --body-file "${REPORT}/drift.md"
say "opened a pull request from ${branch}"
