"""ADRPO for language models (Qwen2 / Qwen3): the typed mirror of ``params.yaml``'s ``adrpo_llm`` section."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from replication.pipeline.params import SectionConfig, StrictConfig


class TaskConfig(StrictConfig):
    name: Literal["digit_sum", "gsm8k"]
    """digit_sum: the generated task (write an n-digit number whose digits sum to s); gsm8k: paper profile."""
    num_digits: int = Field(ge=1, le=6)
    target_min: int = Field(ge=1)
    target_max: int = Field(ge=1)
    """Targets s in [target_min, target_max]; each needs at least one answer (s <= 9 * num_digits)."""
    reward_tolerance: float = Field(gt=0.0)
    """Digit-sum reward: 1 - |sum - s| / tolerance for well-formed answers, floored at 0."""
    gsm8k_data_files: str
    """Local GSM8K JSON-lines file; empty = the hub's openai/gsm8k (paper profile)."""
    probe_prompts: int = Field(ge=1)
    """Prompts of the fixed probe set (digit_sum: the first targets; gsm8k: the first test questions)."""

    @model_validator(mode="after")
    def _targets_in_range(self):
        if self.target_min > self.target_max or self.target_max > 9 * self.num_digits:
            raise ValueError(f"need target_min <= target_max <= 9 * num_digits = {9 * self.num_digits}")
        return self


class ModelConfig(StrictConfig):
    init: Literal["random", "pretrained"]
    """random: a small-config Qwen2/Qwen3 trained here (then SFT); pretrained: the paper's hub checkpoint."""
    hidden_size: int = Field(ge=8)
    num_layers: int = Field(ge=1)
    num_heads: int = Field(ge=1)
    num_kv_heads: int = Field(ge=1)
    intermediate_size: int = Field(ge=8)
    seed: int = Field(ge=0)


class SFTConfig(StrictConfig):
    steps: int = Field(ge=0)
    """SFT steps on generated correct answers; 0 skips SFT (the paper's checkpoints are already instruct-tuned)."""
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    answers_per_target: int = Field(ge=1)
    """Correct answers drawn uniformly per target for the SFT set."""
    seed: int = Field(ge=0)


class RLConfig(StrictConfig):
    """Settings shared by every RL run (GRPO and ADRPO alike: the same budget)."""

    steps: int = Field(ge=1)
    prompts_per_step: int = Field(ge=1)
    num_generations: int = Field(ge=2)
    """Completions per prompt (the GRPO group)."""
    max_completion_length: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    loss_type: Literal["grpo", "bnpo", "dr_grpo", "dapo"]
    """TRL's loss aggregation; 'grpo' is the original per-sequence mean (DeepSeekMath)."""
    adrpo_beta_min: float | None
    """ADRPO's lower clamp on beta0 - A (not published). 0.0: a good sample is never rewarded for leaving the
    reference (beta0 - A < 0 would make the KL term a bonus, unbounded for a language model); null: the plain
    formula."""
    adrpo_beta_max: float | None
    probe_every: int = Field(ge=1)
    probe_samples_per_prompt: int = Field(ge=2)
    probe_seed: int = Field(ge=0)


class SweepConfig(StrictConfig):
    architectures: list[Literal["qwen2", "qwen3"]] = Field(min_length=1)
    grpo_betas: list[float] = Field(min_length=1)
    """Fixed KL coefficients of the GRPO baselines (0 = no KL; no reference model)."""
    adrpo_beta0s: list[float] = Field(min_length=1)
    """ADRPO's beta0, each > 0."""
    seeds: list[int] = Field(min_length=1)

    @model_validator(mode="after")
    def _signs(self):
        if any(beta < 0 for beta in self.grpo_betas) or any(beta <= 0 for beta in self.adrpo_beta0s):
            raise ValueError("grpo_betas must be >= 0 and adrpo_beta0s > 0")
        return self


class FiguresConfig(StrictConfig):
    reward_margin: float = Field(ge=0.0)
    """The report says ADRPO beat fixed-beta GRPO when its best setting's final probe reward (mean over seeds)
    exceeds the best GRPO setting's by more than this margin; otherwise not."""


class ADRPOLLMConfig(SectionConfig):
    SECTION = "adrpo_llm"

    task: TaskConfig
    model: ModelConfig
    sft: SFTConfig
    rl: RLConfig
    sweep: SweepConfig
    figures: FiguresConfig


RUNS = Path("runs/adrpo_llm")
ARTIFACTS = Path("artifacts/adrpo_llm")


def base_dir(architecture: str) -> Path:
    """The base (post-SFT) checkpoint of one architecture; dvc.yaml: artifacts/adrpo_llm/base/${item.arch}."""
    return ARTIFACTS / "base" / architecture


def base_log_dir(architecture: str) -> Path:
    """The base stage's logs (SFT loss, base-model probe); dvc.yaml: runs/adrpo_llm/base/${item.arch}."""
    return RUNS / "base" / architecture


def rl_stage_dir(method: str, beta: float, seed: int) -> Path:
    """One RL stage (all architectures); dvc.yaml: runs/adrpo_llm/<method>-beta${item.beta}-seed${item.seed}."""
    return RUNS / f"{method}-beta{beta}-seed{seed}"


def rl_run_dir(method: str, beta: float, seed: int, architecture: str) -> Path:
    """One RL run's logs (train.csv, probe.csv, final.json): the stage folder's ``logs/<architecture>``."""
    return rl_stage_dir(method, beta, seed) / "logs" / architecture
