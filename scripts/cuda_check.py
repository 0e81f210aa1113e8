"""Run the ORW-CFM-W2 tiny profile twice on CUDA in bf16 and check that the two runs agree byte for byte.

Usage (on a CUDA machine, from the repository root): ``bash scripts/cuda_check.sh``. Each run executes the
experiment's notebook sources in their DVC order with ``replication.pipeline.run_script`` (no Jupyter or DVC
needed) in a fresh copy of the repository, with ``runtime: {device: cuda, dtype: bfloat16}`` and every other
value as params.yaml holds it (the tiny profile as committed; ``make params PROFILE=smoke`` first for a quick run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import torch
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from replication.configs.orw import finetune_run_dir  # noqa: E402
from replication.pipeline.run_script import run_script  # noqa: E402


def orw_steps(params: dict) -> list[tuple[str, dict]]:
    sweep = params["orw"]["sweep"]
    finetunes = [("13-orw-finetune", {"alpha": a, "seed": s}) for a in sweep["alphas"] for s in sweep["seeds"]]
    return [("10-orw-data", {}), ("11-orw-classifier", {}), ("12-orw-base", {}), *finetunes, ("14-orw-figures", {})]


def run_once(workdir: Path, args: argparse.Namespace) -> tuple[float, list[Path]]:
    shutil.copytree(REPO / "notebooks", workdir / "notebooks")
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["runtime"] = {"device": args.device, "dtype": args.dtype}
    (workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    os.chdir(workdir)
    start = time.perf_counter()
    for notebook, parameters in orw_steps(params):
        run_script(f"notebooks/{notebook}.py", parameters)
        print(f"  {notebook} {parameters} done at {time.perf_counter() - start:.0f} s", flush=True)
    elapsed = time.perf_counter() - start
    sweep = params["orw"]["sweep"]
    outputs = [Path("metrics/orw/classifier.json"), Path("metrics/orw/summary.json")]
    for alpha in sweep["alphas"]:
        for seed in sweep["seeds"]:
            outputs += [finetune_run_dir(alpha, seed) / "steps.csv", finetune_run_dir(alpha, seed) / "final.json"]
    os.chdir(REPO)
    return elapsed, [workdir / path for path in outputs]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"], help="cpu: a dry run of this script")
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("no CUDA device: this check needs one")
        return 2
    root = Path(os.environ.get("CUDA_CHECK_DIR", "/tmp/cuda_check"))
    shutil.rmtree(root, ignore_errors=True)
    name = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    profile = yaml.safe_load((REPO / "params.yaml").read_text())["profile"]
    print(f"device: {name}, torch {torch.__version__}, profile {profile}, dtype {args.dtype}")
    results = []
    for name in ("run_a", "run_b"):
        print(f"{name}:", flush=True)
        results.append(run_once(root / name, args))
    (time_a, files_a), (time_b, files_b) = results
    mismatched = [a.relative_to(root / "run_a") for a, b in zip(files_a, files_b) if a.read_bytes() != b.read_bytes()]
    print(f"wall time per run: {time_a:.0f} s and {time_b:.0f} s (target for tiny on CUDA: under 8 minutes)")
    print(f"{len(files_a) - len(mismatched)} of {len(files_a)} metric files identical across the two runs")
    for path in mismatched:
        print(f"  DIFFERS: {path}")
    print((root / "run_a" / "metrics/orw/summary.json").read_text())
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
