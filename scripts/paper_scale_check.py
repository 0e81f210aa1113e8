"""Every trainer of the project at its paper's model size on one GPU: seconds per step, peak memory, throughput,
MFU, and whether two runs with the same seed agree (bf16 autocast, deterministic algorithms on).

Usage (from the repository root, on a CUDA machine; nothing is downloaded):

    bash scripts/paper_scale_check.sh [--out build/paper-scale/paper_scale.json] [--only flow,omni,lm]

Prints one table and writes it to ``--out`` (JSON, with the table as ``.md`` beside it). Sized to finish within
``--budget-s`` (480 s) on one H200: a case is not started when too little of the budget is left, and a running
one stops after its current step at the deadline. ``--cpu-smoke`` runs the same code at tiny sizes on the CPU
(what ``tests/test_bench_paper_scale.py`` does). Exit status: 0 when every row was measured and reproduced bit for
bit, 1 otherwise, 2 without a CUDA device. What is measured and how: ``docs/paper-scale.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

STARTED = time.monotonic()
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "build/paper-scale/paper_scale.json")
    parser.add_argument("--only", default="flow,omni,lm", help="comma-separated cases: flow, omni, lm")
    parser.add_argument("--budget-s", type=float, default=480.0, help="wall-clock budget from the script's start")
    parser.add_argument("--peak-tflops", type=float, default=None,
                        help="the GPU's dense bf16 peak; default: the datasheet value for known GPUs (H200: 989)")
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny sizes on the CPU in float32 (a dry run)")
    args = parser.parse_args(argv)
    args.cases = tuple(case.strip() for case in args.only.split(",") if case.strip())
    unknown = sorted(set(args.cases) - {"flow", "omni", "lm"})
    if unknown or not args.cases:
        parser.error(f"--only: unknown or no cases {unknown}; allowed: flow, omni, lm")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.cpu_smoke and not torch.cuda.is_available():
        print("paper_scale_check: torch sees no CUDA device. This check builds the papers' models at full size "
              "and needs one GPU (it is sized for an H200); install torch with CUDA there. "
              "For a dry run of the same code at tiny sizes on the CPU: --cpu-smoke", file=sys.stderr)
        return 2
    # Before the first cuBLAS call (deterministic cuBLAS needs a fixed workspace) and before Hugging Face libraries
    # read their settings: everything is local, the hub is never asked.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    from transformers.utils import logging as hf_logging

    from replication.bench.env import CheckEnv
    from replication.bench.measure import peak_bf16_flops
    from replication.bench.paper_scale import check_passed, cpu_smoke_plan, format_table, gpu_plan, run_check, write_report
    from replication.configs.runtime import RuntimeConfig

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if args.cpu_smoke:
        runtime, plan, name = RuntimeConfig(device="cpu", dtype="float32"), cpu_smoke_plan(), "cpu"
    else:
        runtime, plan, name = RuntimeConfig(device="cuda", dtype="bfloat16"), gpu_plan(), torch.cuda.get_device_name()
    peak = args.peak_tflops * 1e12 if args.peak_tflops else peak_bf16_flops(name)
    print(f"paper-scale check on {name}: cases {', '.join(args.cases)}, budget {args.budget_s:.0f} s, "
          f"peak bf16 {'unknown (no MFU)' if peak is None else f'{peak / 1e12:.0f} TFLOP/s'}", flush=True)
    with tempfile.TemporaryDirectory(prefix="paper-scale-") as workdir:
        # 10 s of the budget are kept for writing the report after the last step
        env = CheckEnv(runtime, deadline=STARTED + args.budget_s - 10.0, peak_flops=peak, workdir=Path(workdir))
        report = run_check(plan, env, args.cases)
    report["wall_s"] = time.monotonic() - STARTED  # the whole script's, imports and start-up included
    path = write_report(report, args.out)
    print(format_table(report))
    print(f"\nwritten: {path} and {path.with_suffix('.md')}")
    return 0 if check_passed(report) else 1


if __name__ == "__main__":
    sys.exit(main())
