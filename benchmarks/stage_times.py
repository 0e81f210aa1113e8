"""Where a finished `make figures` spent its time: each notebook's stages, from papermill's own records.

    .venv/bin/python benchmarks/stage_times.py [REPO] [--wall SECONDS] [--startup SECONDS]

Reads every executed notebook under REPO/executed/ (one per stage; a matrix stage's notebooks sit in a folder
named after the notebook) and prints, per notebook, the number of stages and their summed execution time, then
the total. With ``--wall`` (the build's wall time) it prints wall / sum, the share of the stages' time the
parallel lanes saved (target: at most 0.6 on 2 cores). Start-up before a notebook's first cell is not in
papermill's record; ``--startup`` adds a measured per-stage figure (benchmarks/bench_stage_startup.py).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path


def stage_durations(repo: Path) -> dict[str, float]:
    """Executed notebook (relative to ``executed/``) -> seconds its cells ran; a stage still running is left out."""
    root = repo / "executed"
    durations = {str(path.relative_to(root)): json.loads(path.read_text())["metadata"]["papermill"]["duration"]
                 for path in sorted(root.rglob("*.ipynb"))}
    return {name: seconds for name, seconds in durations.items() if seconds is not None}


def by_notebook(durations: dict[str, float]) -> dict[str, tuple[int, float]]:
    """``13-orw-finetune/alpha0.0-seed0.ipynb`` and its siblings -> ``13-orw-finetune``: (stages, seconds)."""
    families: dict[str, list[float]] = collections.defaultdict(list)
    for name, seconds in durations.items():
        families[name.split("/")[0].removesuffix(".ipynb")].append(seconds)
    return {family: (len(times), sum(times)) for family, times in sorted(families.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", nargs="?", default=".", type=Path)
    parser.add_argument("--wall", type=float, help="the build's wall time in seconds")
    parser.add_argument("--startup", type=float, default=0.0, help="seconds per stage before its first cell")
    args = parser.parse_args()
    durations = stage_durations(args.repo)
    for family, (count, seconds) in by_notebook(durations).items():
        print(f"{family:34s} {count:3d} stage(s) {seconds:8.0f} s")
    total = sum(durations.values()) + len(durations) * args.startup
    print(f"{'all':34s} {len(durations):3d} stage(s) {total:8.0f} s ({total / 60:.1f} min)")
    if args.wall:
        print(f"wall {args.wall:.0f} s ({args.wall / 60:.1f} min); wall / sum of stage times {args.wall / total:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
