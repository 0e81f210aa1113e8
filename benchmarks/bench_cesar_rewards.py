"""Throughput of CESAR's reward suite on one CPU core, with 256-token completions (target >= 10,000 / s).

Run: ``.venv/bin/python benchmarks/bench_cesar_rewards.py [--n 4096] [--repeats 5]``

The suite is the five rewards called as TRL calls them: each function once over the batch, the batch's
completions shared between the calls. Two figures are printed:
  * ``suite``: as in training (the completion parse is cached across the five calls of one batch);
  * ``cold``: the parse cache cleared before every function call (an upper bound on the cost).
Both wall-clock and CPU time (``time.process_time``, this process only) are reported: on a shared machine the
CPU-time figure is the one-core throughput, the wall-clock one also counts time spent waiting for the core.
Completions are unique (no cache hits across batches), 256 whitespace words of reasoning in the tag format,
mixing audio vocabulary, connectives and filler, the answer one of four choices.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from replication.rewards import cesar

VOCAB = (
    "first then compare because therefore pitch tempo timbre frequency the a of and note beep louder softer "
    "second word syllables count is was higher lower so based on hz noise burst vowel formant it this that"
).split()
CHOICES = ["The first word", "The second word", "Both are equally long", "No word is spoken"]
QUESTION = "Two words are spoken, separated by a pause. Which word has more syllables?"


def make_batch(rng: np.random.Generator, n: int, words: int = 256) -> list[str]:
    batch = []
    for i in range(n):
        think = " ".join(VOCAB[j] for j in rng.integers(len(VOCAB), size=words - 1)) + f" id{i}{rng.integers(1e9)}"
        batch.append(f"<think>{think}</think><answer>{CHOICES[int(rng.integers(4))]}</answer>")
    return batch


def run_suite(batch, funcs, kwargs, cold: bool) -> None:
    for func in funcs:
        if cold:
            cesar._parse.cache_clear()
            cesar.concepts.cache_clear()
        func(batch, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4096, help="completions per batch")
    parser.add_argument("--repeats", type=int, default=5, help="timed batches per setting (best is reported)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    funcs = [cesar.accuracy_reward, cesar.format_reward, cesar.consistency_reward, cesar.keyword_reward,
             cesar.overthinking_reward]
    kwargs = {"answer": [CHOICES[0]] * args.n, "choices": [CHOICES] * args.n, "question": [QUESTION] * args.n}
    rng = np.random.default_rng(0)
    print(f"{args.n} completions of 256 words per batch, best of {args.repeats}, one core")
    for cold in (False, True):
        best_wall = best_cpu = float("inf")
        for _ in range(args.repeats):
            batch = make_batch(rng, args.n)  # fresh strings: nothing cached from the previous batch
            wall, cpu = time.perf_counter(), time.process_time()
            run_suite(batch, funcs, kwargs, cold)
            best_cpu = min(best_cpu, time.process_time() - cpu)
            best_wall = min(best_wall, time.perf_counter() - wall)
        print(f"{'cold ' if cold else 'suite'}: {args.n / best_cpu:,.0f} completions per CPU-second "
              f"({1e6 * best_cpu / args.n:.1f} µs each); wall clock {args.n / best_wall:,.0f} / s")
    for func in funcs:
        batch = make_batch(rng, args.n)
        cesar._parse.cache_clear()
        cpu = time.process_time()
        func(batch, **kwargs)
        print(f"  {getattr(func, '__name__', func)} alone (parse included): "
              f"{args.n / (time.process_time() - cpu):,.0f} per CPU-second")


if __name__ == "__main__":
    main()
