"""Step time of ADRPOTrainer against GRPOTrainer at the same settings, measured in one run.

    .venv/bin/python benchmarks/bench_adrpo_llm_step.py [--steps 10] [--repeats 5] [--arch qwen2]

Both trainers start from the same tiny checkpoint with the same beta (ADRPO's beta0) and seed, so they do the
same work apart from ADRPO's correction. Repeats alternate the two trainers (A B A B ...) so that drift in machine
load hits both alike; each repeat times ``train()`` over ``--steps`` optimisation steps (sampling, reward,
reference pass, loss, backward, optimiser). Prints the median seconds per step of each and their ratio
(target: ADRPO / GRPO <= 1.03).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from transformers.utils import logging as hf_logging

from replication.data.digit_sum_task import prompt_dataset
from replication.models.tiny_lm import build_char_tokenizer, save_lm, tiny_qwen
from replication.pipeline.seeding import seed_everything
from replication.rewards.digit_sum import DigitSumReward
from replication.rl.runs import build_rl_trainer, rl_config


def time_run(method: str, checkpoint: Path, tokenizer, args, workdir: Path) -> float:
    seed_everything(0)
    bounds = {"beta_min": 0.0} if method == "adrpo" else {}
    config = rl_config(method, workdir / method, args.beta, args.steps, args.prompts, args.generations, 6, 1e-3, 0,
                       **bounds)
    trainer = build_rl_trainer(checkpoint, tokenizer, config, prompt_dataset(list(range(10, 27)), 4, 50),
                               DigitSumReward(), [])
    start = time.perf_counter()
    trainer.train()
    return (time.perf_counter() - start) / args.steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--arch", default="qwen2")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--prompts", type=int, default=4, help="prompts per step")
    parser.add_argument("--generations", type=int, default=8, help="completions per prompt")
    parser.add_argument("--beta", type=float, default=0.04)
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(1)  # the shared 2-core machine: one thread keeps timings steadier

    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        tokenizer = build_char_tokenizer()
        model = tiny_qwen(args.arch, tokenizer, hidden_size=args.hidden, num_heads=4, num_kv_heads=2,
                          intermediate_size=2 * args.hidden, seed=0)
        checkpoint = save_lm(model, tokenizer, workdir / "base")
        times = {"grpo": [], "adrpo": []}
        time_run("grpo", checkpoint, tokenizer, args, workdir)  # warm-up: imports, allocator, first-call costs
        for repeat in range(args.repeats):
            order = ("grpo", "adrpo") if repeat % 2 == 0 else ("adrpo", "grpo")
            for method in order:
                times[method].append(time_run(method, checkpoint, tokenizer, args, workdir))

    grpo, adrpo = statistics.median(times["grpo"]), statistics.median(times["adrpo"])
    print(f"settings: {args.arch} hidden {args.hidden}, {args.prompts} prompts x {args.generations} completions, "
          f"{args.steps} steps x {args.repeats} repeats, beta {args.beta}, torch threads 1")
    print(f"GRPOTrainer  median {grpo * 1e3:.1f} ms/step  runs {[round(t * 1e3, 1) for t in times['grpo']]}")
    print(f"ADRPOTrainer median {adrpo * 1e3:.1f} ms/step  runs {[round(t * 1e3, 1) for t in times['adrpo']]}")
    print(f"ratio ADRPO / GRPO = {adrpo / grpo:.3f}")


if __name__ == "__main__":
    main()
