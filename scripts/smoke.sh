#!/usr/bin/env bash
# The whole pipeline at toy sizes in a scratch copy of this checkout: `make smoke` and tests/test_pipeline_smoke.py.
#
#   bash scripts/smoke.sh DIR
#
# DIR (replaced) receives the working tree as git sees it (tracked and untracked files, ignored ones left out),
# starts from no dvc.lock like a fresh clone's first run, shares this checkout's .venv, switches to the smoke
# profile with the documented command and runs `make figures` with a PATH that holds no virtual environment.
set -euo pipefail
checkout="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: scripts/smoke.sh DIR}"
test -x "$checkout/.venv/bin/python" || { echo "no $checkout/.venv: run make env first" >&2; exit 2; }
rm -rf "$target"
mkdir -p "$target"
target="$(cd "$target" && pwd)"
cd "$checkout"
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null \
  | tar -xf - -C "$target"
cd "$target"
rm -f dvc.lock
ln -s "$checkout/.venv" .venv
git init -q
git add -A
git -c user.name=smoke -c user.email=smoke@localhost commit -qm "smoke copy of $checkout"
export PATH=/usr/local/bin:/usr/bin:/bin
# -o: the shared environment is up to date; never reinstall it from this copy
make --no-print-directory -o .venv/.installed params PROFILE=smoke
git -c user.name=smoke -c user.email=smoke@localhost commit -qam "profile: smoke"
make --no-print-directory -o .venv/.installed figures
