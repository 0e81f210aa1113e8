"""ADRPO for language models (Qwen2 / Qwen3): the typed mirror of ``params.yaml``'s ``adrpo_llm`` section, and
the identity of every run (its directory, its label), spelled once for dvc.yaml and the figures notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from replication.pipeline.params import SectionConfig, StrictConfig

Architecture = Literal["qwen2", "qwen3"]
ScaleRewards = Literal["group", "batch", "none"]


class TaskConfig(StrictConfig):
    name: Literal["digit_sum", "gsm8k"]
    """digit_sum: the generated task (write an n-digit number whose digits sum to s); gsm8k: paper profile."""
    digit_counts: list[int] = Field(min_length=1)
    """Answer lengths n of the digit-sum task; every feasible target s in 1..9n of each is one prompt."""
    easy_reward: float = Field(ge=0.0, le=1.0)
    """Reward of a correct answer whose digits are not non-increasing (those earn 1); 1 = plain exact reward."""
    gsm8k_data_files: str
    """Local GSM8K JSON-lines file; empty = the hub's openai/gsm8k (paper profile)."""
    probe_prompts: int = Field(ge=1)
    """Prompts of the fixed probe set (digit_sum: evenly spaced over the goals; gsm8k: the first test questions)."""

    @model_validator(mode="after")
    def _digit_counts(self):
        if any(not 1 <= n <= 6 for n in self.digit_counts) or len(set(self.digit_counts)) != len(self.digit_counts):
            raise ValueError(f"digit_counts must be distinct values in 1..6, got {self.digit_counts}")
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
    """Correct answers drawn uniformly per prompt for the SFT set."""
    seed: int = Field(ge=0)


class GatesConfig(StrictConfig):
    """Preconditions computed into the metrics; the RL stages refuse to start when the base gate fails."""

    base_min_solved: float = Field(ge=0.0, le=1.0)
    """The base model's exact-solve rate on the probe prompts must reach this (printed beside its chance level)."""
    base_max_solved: float = Field(ge=0.0, le=1.0)
    """... and stay below this, so that RL has reward to gain."""
    plateau_window: float = Field(gt=0.0, lt=1.0)
    """Share of the RL steps at the end over which a fixed-beta run's gain is measured (the plateau check)."""
    plateau_max_gain: float = Field(ge=0.0)
    """A fixed-beta run has plateaued when its probe reward rose by less than this over that window..."""
    plateau_min_gap: float = Field(ge=0.0)
    """... while staying at least this far below the reachable reward (the best final reward of any run)."""

    @model_validator(mode="after")
    def _order(self):
        if self.base_min_solved >= self.base_max_solved:
            raise ValueError("base_min_solved must be below base_max_solved")
        return self


class RLConfig(StrictConfig):
    """Settings shared by every RL run (GRPO and ADRPO alike: the same budget)."""

    steps: int = Field(ge=1)
    prompts_per_step: int = Field(ge=1)
    num_generations: int = Field(ge=2)
    """Completions per prompt (the GRPO group)."""
    max_completion_length: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    warmup_steps: int = Field(ge=0)
    """Linear learning-rate warm-up, then constant."""
    loss_type: Literal["grpo", "bnpo", "dr_grpo", "dapo"]
    """TRL's loss aggregation; 'grpo' is the original per-sequence mean (DeepSeekMath)."""
    scale_rewards: ScaleRewards
    """TRL's advantage scaling of every GRPO run and of ADRPO variants that do not set their own."""
    probe_every: int = Field(ge=1)
    probe_samples_per_prompt: int = Field(ge=2)
    probe_seed: int = Field(ge=0)


class ADRPOVariant(StrictConfig):
    """One ADRPO configuration: beta_eff = clip(beta0 - A, beta_min, beta_max), A scaled by ``scale_rewards``."""

    beta0: float = Field(gt=0.0)
    beta_min: float | None
    """Lower clamp on beta0 - A; null: none (the paper's formula)."""
    beta_max: float | None
    scale_rewards: ScaleRewards | None
    """null: rl.scale_rewards, as the GRPO runs."""
    label: str = Field(min_length=1)
    """How figures and tables name it."""

    @model_validator(mode="after")
    def _bounds(self):
        if self.beta_min is not None and self.beta_max is not None and self.beta_min > self.beta_max:
            raise ValueError("beta_min must not exceed beta_max")
        return self


class SweepConfig(StrictConfig):
    architectures: list[Architecture] = Field(min_length=1)
    """Every GRPO beta and every compared ADRPO variant runs on each of these."""
    grpo_betas: list[float] = Field(min_length=1)
    """Fixed KL coefficients of the GRPO front (0 = no KL; no reference model)."""
    seeds: list[int] = Field(min_length=1)
    """Seeds of the compared configurations (the GRPO front and ``adrpo_compared``)."""
    adrpo_compared: list[str] = Field(min_length=1)
    """ADRPO variants the verdict compares with the front, with ``seeds`` on every architecture."""
    adrpo_ablations: list[str]
    """Further ADRPO variants, with ``ablation_seeds`` on ``ablation_architectures``."""
    ablation_seeds: list[int] = Field(min_length=1)
    ablation_architectures: list[Architecture] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        if any(beta < 0 for beta in self.grpo_betas):
            raise ValueError("grpo_betas must be >= 0")
        if set(self.adrpo_compared) & set(self.adrpo_ablations):
            raise ValueError("a variant is either compared or an ablation, not both")
        if not set(self.ablation_architectures) <= set(self.architectures):
            raise ValueError("ablation_architectures must be among architectures")
        return self


class FiguresConfig(StrictConfig):
    verdict_threshold: float
    """C3 holds when ADRPO's reward minus the front's at the matched point is above this (interval wholly)."""


class ADRPOLLMConfig(SectionConfig):
    SECTION = "adrpo_llm"

    task: TaskConfig
    model: ModelConfig
    sft: SFTConfig
    gates: GatesConfig
    rl: RLConfig
    adrpo_variants: dict[str, ADRPOVariant] = Field(min_length=1)
    """Every ADRPO configuration, by name; the sweep names which run and with how many seeds."""
    sweep: SweepConfig
    figures: FiguresConfig

    @model_validator(mode="after")
    def _variants_named(self):
        unknown = sorted(set(self.sweep.adrpo_compared + self.sweep.adrpo_ablations) - set(self.adrpo_variants))
        if unknown:
            raise ValueError(f"sweep names ADRPO variants {unknown}; defined: {sorted(self.adrpo_variants)}")
        return self


RUNS = Path("runs/adrpo_llm")
ARTIFACTS = Path("artifacts/adrpo_llm")
METHODS = ("grpo", "adrpo")


def base_dir(architecture: str) -> Path:
    """The base (post-SFT) checkpoint of one architecture; dvc.yaml: artifacts/adrpo_llm/base/${item.arch}."""
    return ARTIFACTS / "base" / architecture


def base_log_dir(architecture: str) -> Path:
    """The base stage's logs (SFT loss, base-model probe and gate); dvc.yaml: runs/adrpo_llm/base/${item.arch}."""
    return RUNS / "base" / architecture


def run_name(method: str, setting: float | str) -> str:
    """A configuration's name: ``grpo-beta0.2`` (GRPO, its beta) or ``adrpo-paper`` (ADRPO, its variant)."""
    if method == "grpo":
        return f"grpo-beta{float(setting)}"
    if method == "adrpo":
        return f"adrpo-{setting}"
    raise ValueError(f"method {method!r} is not supported; allowed: {', '.join(METHODS)}")


def rl_stage_dir(method: str, setting: float | str, seed: int) -> Path:
    """One RL stage (every architecture it runs); dvc.yaml: runs/adrpo_llm/grpo-beta${item.beta}-seed${item.seed}
    and runs/adrpo_llm/adrpo-${item.variant}-seed${item.seed}."""
    return RUNS / f"{run_name(method, setting)}-seed{seed}"


def rl_run_dir(method: str, setting: float | str, seed: int, architecture: str) -> Path:
    """One RL run's logs (train.csv, probe.csv, config.json): the stage folder's ``logs/<architecture>``."""
    return rl_stage_dir(method, setting, seed) / "logs" / architecture


def stage_architectures(sweep: SweepConfig, method: str, setting: float | str) -> list[str]:
    """The architectures one RL stage runs: all of them for the front and the compared variants, else the
    ablation architectures."""
    if method == "adrpo" and setting in sweep.adrpo_ablations:
        return list(sweep.ablation_architectures)
    return list(sweep.architectures)


def all_runs(cfg: ADRPOLLMConfig) -> list[tuple[str, float | str, int, str]]:
    """Every (method, setting, seed, architecture) the sweep runs, in dvc.yaml's terms."""
    sweep = cfg.sweep
    runs = [("grpo", beta, seed, arch) for beta in sweep.grpo_betas for seed in sweep.seeds for arch in sweep.architectures]
    runs += [("adrpo", name, seed, arch) for name in sweep.adrpo_compared for seed in sweep.seeds
             for arch in sweep.architectures]
    runs += [("adrpo", name, seed, arch) for name in sweep.adrpo_ablations for seed in sweep.ablation_seeds
             for arch in sweep.ablation_architectures]
    return runs
