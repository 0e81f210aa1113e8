#!/usr/bin/env bash
# The whole pipeline in a scratch copy of this checkout, as a fresh clone would run it:
#
#   bash scripts/figures_in_copy.sh DIR [PROFILE]     (PROFILE: smoke by default; `make smoke` runs this)
#
# DIR (replaced) receives the working tree as git sees it (tracked and untracked files, ignored ones left out),
# starts from no dvc.lock like a fresh clone's first run, shares this checkout's .venv, switches to PROFILE
# with the documented command and runs `make figures` with a PATH that holds no virtual environment (JOBS and
# other make variables pass through the environment). tests/test_pipeline_smoke.py and
# benchmarks/bench_parallel_figures.py run it.
set -euo pipefail
checkout="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: scripts/figures_in_copy.sh DIR [PROFILE]}"
profile="${2:-smoke}"
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
make --no-print-directory -o .venv/.installed params PROFILE="$profile"
git -c user.name=smoke -c user.email=smoke@localhost commit -qam "profile: $profile" || true  # tiny: unchanged
make --no-print-directory -o .venv/.installed figures
