"""Concurrent `make figures` against the sum of its stages' times, and its results against a sequential run.

    .venv/bin/python benchmarks/bench_parallel_figures.py [--profile smoke|tiny] [--jobs N] [--no-sequential]

Builds the pipeline from nothing in two fresh copies of this checkout (scripts/figures_in_copy.sh): once with
JOBS=N (default: the number of cores) and once with JOBS=1. Prints both wall times, the sum of the stages' own
times (each executed notebook's papermill duration plus the measured per-stage start-up), the ratio
wall / sum, and whether every output dvc.lock records (executed notebooks aside: they hold timestamps) has the
same hash in both copies.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from stage_times import stage_durations  # benchmarks/ is on sys.path when a script in it runs

REPO = Path(__file__).resolve().parents[1]


def build(target: Path, profile: str, jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", str(REPO / "scripts/figures_in_copy.sh"), str(target), profile], check=True,
                   env={**os.environ, "JOBS": str(jobs)}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    return time.perf_counter() - start


def stage_seconds(repo: Path) -> tuple[int, float]:
    """Number of executed notebooks and the sum of their execution times (papermill's own record)."""
    durations = stage_durations(repo)
    return len(durations), sum(durations.values())


def output_hashes(repo: Path) -> dict[str, str]:
    stages = yaml.safe_load((repo / "dvc.lock").read_text())["stages"]
    return {out["path"]: out["md5"] for stage in stages.values() for out in stage.get("outs", [])
            if not out["path"].startswith("executed/")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="smoke", choices=["smoke", "tiny"])
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--startup", type=float, default=1.0,
                        help="seconds a stage spends before its notebook runs (benchmarks/bench_stage_startup.py)")
    parser.add_argument("--no-sequential", action="store_true", help="skip the JOBS=1 build and the comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as folder:
        parallel = Path(folder) / "parallel"
        wall = build(parallel, args.profile, args.jobs)
        count, executing = stage_seconds(parallel)
        stages_total = executing + count * args.startup
        print(f"{args.profile}: make figures with JOBS={args.jobs}: {wall:.0f} s wall for {count} stages")
        print(f"sum of stage times: {stages_total:.0f} s ({executing:.0f} s executing + {count} x {args.startup} s start-up)")
        print(f"wall / sum of stage times: {wall / stages_total:.2f} (target: at most 0.6 on 2 cores)")
        if args.no_sequential:
            return 0
        sequential = Path(folder) / "sequential"
        sequential_wall = build(sequential, args.profile, 1)
        print(f"make figures with JOBS=1: {sequential_wall:.0f} s wall; parallel / sequential: {wall / sequential_wall:.2f}")
        ours, theirs = output_hashes(parallel), output_hashes(sequential)
        differing = sorted(path for path in ours.keys() | theirs.keys() if ours.get(path) != theirs.get(path))
        print(f"outputs identical to the sequential run: {not differing} ({len(ours)} outputs compared)")
        for path in differing:
            print(f"  differs: {path}")
        return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
