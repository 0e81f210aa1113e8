"""The RL task of the ADRPO LLM experiment, per profile: prompts, reward and the probe set, in one place.

tiny / smoke: the generated digit-sum task (``replication.data.digit_sum_task``), plain-text prompts.
paper: GSM8K through ``datasets`` (``replication.data.gsm8k``), conversational prompts; the probe's prompts are
rendered with the tokenizer's chat template because the probe generates from text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from datasets import Dataset
from transformers import PreTrainedTokenizerBase

from replication.configs.adrpo_llm import TaskConfig
from replication.data import digit_sum_task, gsm8k
from replication.rewards.digit_sum import DigitSumReward
from replication.rewards.gsm8k import gsm8k_accuracy


@dataclass(frozen=True)
class RLTask:
    train_dataset: Dataset  # column "prompt" plus the columns the reward reads
    reward_fn: Callable[..., list[float]]
    probe_prompts: list[str]  # text, ready to tokenize
    probe_reward_kwargs: dict[str, list]  # the reward's columns for the probe prompts


def targets(cfg: TaskConfig) -> list[int]:
    return list(range(cfg.target_min, cfg.target_max + 1))


def sft_rows(cfg: TaskConfig, answers_per_target: int, seed: int) -> Dataset:
    """The SFT set of the digit-sum task: uniformly drawn correct answers for every target."""
    if cfg.name != "digit_sum":
        raise ValueError(f"SFT data is generated for the digit_sum task only, not {cfg.name!r} (set sft.steps: 0)")
    return digit_sum_task.sft_dataset(targets(cfg), cfg.num_digits, answers_per_target, seed)


def build_task(cfg: TaskConfig, tokenizer: PreTrainedTokenizerBase, prompts_needed: int) -> RLTask:
    """The task for ``cfg.name``, with at least ``prompts_needed`` training prompts (steps x prompts per step)."""
    if cfg.name == "digit_sum":
        goals = targets(cfg)
        repeats = math.ceil(prompts_needed / len(goals)) + 1
        probe_goals = [goals[i * len(goals) // cfg.probe_prompts] for i in range(min(cfg.probe_prompts, len(goals)))]
        return RLTask(
            train_dataset=digit_sum_task.prompt_dataset(goals, cfg.num_digits, repeats),
            reward_fn=DigitSumReward(cfg.reward_tolerance),
            probe_prompts=[digit_sum_task.make_prompt(goal, cfg.num_digits) for goal in probe_goals],
            probe_reward_kwargs={"target": probe_goals, "num_digits": [cfg.num_digits] * len(probe_goals)},
        )
    data_files = cfg.gsm8k_data_files or None
    train = gsm8k.to_prompts(gsm8k.load_gsm8k("train", data_files))
    probe = gsm8k.to_prompts(gsm8k.load_gsm8k("test", data_files)).select(range(cfg.probe_prompts))
    rendered = [tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True) for row in probe]
    return RLTask(train, gsm8k_accuracy, rendered, {"answer": probe["answer"]})
