"""CPU and wall time of every CESAR stage on the current profile: ``dvc repro -s <stage>`` in dvc.yaml's order.

    .venv/bin/python benchmarks/time_cesar_stages.py            # params.yaml's profile (tiny by default)
    .venv/bin/python benchmarks/time_cesar_stages.py --force    # rerun stages that are up to date
    .venv/bin/python benchmarks/time_cesar_stages.py --dry-run  # list the stages only

CPU time is the stage's processes' user + system time (``RUSAGE_CHILDREN``): on the shared machine it is what a
stage costs, whatever the other jobs do to its wall time. Prints one line per stage, the total per stage family
and the total; the figures in docs/cesar.md come from this script.
"""

from __future__ import annotations

import argparse
import collections
import resource
import subprocess
import sys
import time


def cesar_stages() -> list[str]:
    """Stage names in dvc.yaml's order, matrix stages expanded as DVC names them (``cesar-grpo@outcome-0``)."""
    out = subprocess.run([sys.executable, "-m", "dvc", "stage", "list", "--name-only"], check=True,
                         capture_output=True, text=True).stdout.split()
    return [name for name in out if name.startswith("cesar-")]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    families: dict[str, list[float]] = collections.defaultdict(list)
    total_cpu = total_wall = 0.0
    for stage in cesar_stages():
        if args.dry_run:
            print(stage)
            continue
        cpu, wall = _cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-m", "dvc", "repro", "-s", *(["-f"] if args.force else []), stage],
                       check=True, stdout=subprocess.DEVNULL)
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
        total_cpu, total_wall = total_cpu + cpu, total_wall + wall
        families[stage.split("@")[0]].append(cpu)
        print(f"{stage:55s} cpu {cpu:7.1f} s   wall {wall:7.1f} s", flush=True)
    if not args.dry_run:
        for family, values in families.items():
            print(f"family {family:40s} {len(values):2d} stages, cpu {sum(values):7.1f} s "
                  f"({sum(values) / len(values):.1f} s each)")
        print(f"{'total':55s} cpu {total_cpu:7.1f} s ({total_cpu / 60:.1f} min)   wall {total_wall:7.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
