"""The RL task of the ADRPO LLM experiment, per profile: prompts, reward, the probe set and its chance level.

tiny / smoke: the generated digit-sum task (``replication.data.digit_sum_task``), plain-text prompts, the tiered
reward of ``replication.rewards.digit_sum``. paper: GSM8K through ``datasets`` (``replication.data.gsm8k``),
conversational prompts; the probe's prompts are rendered with the tokenizer's chat template because the probe
generates from text.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from datasets import Dataset
from transformers import PreTrainedTokenizerBase

from replication.configs.adrpo_llm import TaskConfig
from replication.data import digit_sum_task, gsm8k
from replication.rewards.digit_sum import DigitSumReward, chance_reward, digit_sum_solved
from replication.rewards.gsm8k import gsm8k_accuracy


@dataclass(frozen=True)
class RLTask:
    train_dataset: Dataset  # column "prompt" plus the columns the reward reads
    reward_fn: Callable[..., list[float]]
    solved_fn: Callable[..., list[bool]]  # exact solve (the gate's measure), same contract as the reward
    probe_prompts: list[str]  # text, ready to tokenize
    probe_reward_kwargs: dict[str, list]  # the reward's columns for the probe prompts
    chance_solved: float  # exact-solve rate of a uniformly random well-formed answer, mean over probe prompts
    chance_reward: float  # its expected reward


def goals(cfg: TaskConfig) -> list[digit_sum_task.Goal]:
    return digit_sum_task.all_goals(cfg.digit_counts)


def probe_goals(cfg: TaskConfig) -> list[digit_sum_task.Goal]:
    """``cfg.probe_prompts`` goals evenly spaced over all of them (all of them when it asks for as many)."""
    every = goals(cfg)
    count = min(cfg.probe_prompts, len(every))
    return [every[i * len(every) // count] for i in range(count)]


def sft_rows(cfg: TaskConfig, answers_per_target: int, seed: int) -> Dataset:
    """The SFT set of the digit-sum task: uniformly drawn correct answers for every prompt."""
    if cfg.name != "digit_sum":
        raise ValueError(f"SFT data is generated for the digit_sum task only, not {cfg.name!r} (set sft.steps: 0)")
    return digit_sum_task.sft_dataset(goals(cfg), answers_per_target, seed)


def gsm8k_solved(completions: list, answer: list[str], **kwargs) -> list[bool]:
    return [reward == 1.0 for reward in gsm8k_accuracy(completions, answer=answer)]


def build_task(cfg: TaskConfig, tokenizer: PreTrainedTokenizerBase, prompts_needed: int) -> RLTask:
    """The task for ``cfg.name``, with at least ``prompts_needed`` training prompts (steps x prompts per step)."""
    if cfg.name == "digit_sum":
        train_goals, probe = goals(cfg), probe_goals(cfg)
        targets, lengths = [s for s, _ in probe], [n for _, n in probe]
        return RLTask(
            train_dataset=digit_sum_task.prompt_dataset(train_goals, math.ceil(prompts_needed / len(train_goals)) + 1),
            reward_fn=DigitSumReward(cfg.easy_reward),
            solved_fn=digit_sum_solved,
            probe_prompts=[digit_sum_task.make_prompt(s, n) for s, n in probe],
            probe_reward_kwargs={"target": targets, "num_digits": lengths},
            chance_solved=statistics.fmean(digit_sum_task.chance_solve_rate(s, n) for s, n in probe),
            chance_reward=statistics.fmean(chance_reward(s, n, cfg.easy_reward) for s, n in probe),
        )
    data_files = cfg.gsm8k_data_files or None
    train = gsm8k.to_prompts(gsm8k.load_gsm8k("train", data_files))
    probe = gsm8k.to_prompts(gsm8k.load_gsm8k("test", data_files)).select(range(cfg.probe_prompts))
    rendered = [tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True) for row in probe]
    # free-form numbers: a guessed answer is right with probability ~0, so chance is taken as 0
    return RLTask(train, gsm8k_accuracy, gsm8k_solved, rendered, {"answer": probe["answer"]}, 0.0, 0.0)
