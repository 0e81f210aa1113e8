"""Step time of ADRPOTrainer against GRPOTrainer at the tiny profile's settings, measured in one run.

    .venv/bin/python benchmarks/bench_adrpo_llm_step.py [--steps 20] [--repeats 5] [--arch qwen2] [--trl-tile]

Both trainers start from the same tiny checkpoint (Qwen2, hidden 64, 2 layers: the tiny profile's model) with the
same beta (ADRPO's beta0; GRPO with beta > 0 loads the same reference model) and seed, on the digit-sum task's
81 prompts, 16 prompts x 8 completions per step. With ``--lr 0`` (the default) both policies stay at the
checkpoint, so both sample the same completions and do the same work apart from ADRPO's correction (with a
learning rate the runs diverge, and the lengths of their completions, hence their costs, differ from the first
update on). As in every stage, ``seed_everything`` turns on torch's deterministic algorithms. Repeats alternate
the two trainers (A B A B ...) so that drift in machine load hits both alike; each repeat times ``train()`` over
``--steps`` optimisation steps (sampling, reward, reference pass, loss, backward, optimiser) in CPU time of this
process (the machine is shared; wall time would measure the neighbours). Prints the median CPU seconds per step
of each and their ratio (target: ADRPO / GRPO <= 1.02). ``--trl-tile`` keeps TRL's default 32768-wide log-prob
tile instead of ``fit_logprob_tiles`` (the per-step overhead that function removes). From a worktree, run it
with ``PYTHONPATH=.`` so that the worktree's package is imported.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
import trl.trainer.utils as trl_utils
from transformers.utils import logging as hf_logging

from replication.data.digit_sum_task import all_goals, prompt_dataset
from replication.models.tiny_lm import build_char_tokenizer, save_lm, tiny_qwen
from replication.pipeline.seeding import seed_everything
from replication.rewards.digit_sum import DigitSumReward
from replication.rl.hf_trainer import TRL_LOGPROB_TILE, fit_logprob_tiles
from replication.rl.runs import build_rl_trainer, rl_config


def time_run(method: str, checkpoint: Path, tokenizer, args, workdir: Path) -> float:
    seed_everything(0)
    bounds = {"beta_min": None} if method == "adrpo" else {}
    config = rl_config(method, workdir / method, args.beta, args.steps, args.prompts, args.generations, 5, args.lr, 0,
                       warmup_steps=0, **bounds)
    trainer = build_rl_trainer(checkpoint, tokenizer, config, prompt_dataset(all_goals([2, 3, 4]), 50),
                               DigitSumReward(0.5), [])
    if args.trl_tile:
        trl_utils._CHUNKED_LOGPROB_CHUNK_SIZE = TRL_LOGPROB_TILE
    start = time.process_time()
    trainer.train()
    return (time.process_time() - start) / args.steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--arch", default="qwen2")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--prompts", type=int, default=16, help="prompts per step")
    parser.add_argument("--generations", type=int, default=8, help="completions per prompt")
    parser.add_argument("--beta", type=float, default=0.05)
    parser.add_argument("--lr", type=float, default=0.0,
                        help="0 (default) keeps both policies at the checkpoint: same samples, same work")
    parser.add_argument("--trl-tile", action="store_true", help="keep TRL's default log-prob tile width")
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(1)  # as every stage (OMP_NUM_THREADS=1)

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
    tile = TRL_LOGPROB_TILE if args.trl_tile else fit_logprob_tiles(len(tokenizer))
    print(f"settings: {args.arch} hidden {args.hidden}, {args.prompts} prompts x {args.generations} completions, "
          f"{args.steps} steps x {args.repeats} repeats, beta {args.beta}, lr {args.lr:g}, torch threads 1, "
          f"log-prob tile {tile}")
    print(f"GRPOTrainer  median {grpo * 1e3:.1f} ms/step CPU  runs {[round(t * 1e3, 1) for t in times['grpo']]}")
    print(f"ADRPOTrainer median {adrpo * 1e3:.1f} ms/step CPU  runs {[round(t * 1e3, 1) for t in times['adrpo']]}")
    print(f"ratio ADRPO / GRPO = {adrpo / grpo:.3f}")


if __name__ == "__main__":
    main()
