"""Wall time of every CESAR stage on the current profile: runs ``dvc repro -s -f <stage>`` in DAG order.

    .venv/bin/python benchmarks/time_cesar_stages.py            # params.yaml's profile (tiny by default)
    .venv/bin/python benchmarks/time_cesar_stages.py --dry-run  # list the stages only

Prints one line per stage and the total; the README's number comes from this script on the 2-core machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import yaml


def cesar_stages(dvc_file: str = "dvc.yaml", params_file: str = "params.yaml") -> list[str]:
    """Stage names in DAG order, matrix stages expanded as DVC names them (``cesar-grpo@<method>-<seed>``)."""
    stages = yaml.safe_load(open(dvc_file))["stages"]
    sweep = yaml.safe_load(open(params_file))["cesar"]["sweep"]
    names = []
    for name, stage in stages.items():
        if not name.startswith("cesar-"):
            continue
        if "matrix" in stage:
            names += [f"{name}@{m}-{s}" for m in sweep["methods"] for s in sweep["seeds"]]
        else:
            names.append(name)
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    total = 0.0
    for stage in cesar_stages():
        if args.dry_run:
            print(stage)
            continue
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dvc", "repro", "-s", "-f", stage], check=True,
                       stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"{stage:55s} {elapsed:7.1f} s", flush=True)
    if not args.dry_run:
        print(f"{'total':55s} {total:7.1f} s ({total / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
