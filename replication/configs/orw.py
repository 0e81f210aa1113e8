"""ORW-CFM-W2 on handwritten digits: the typed mirror of ``params.yaml``'s ``orw`` section."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from replication.pipeline.params import SectionConfig, StrictConfig


class DigitsDataConfig(StrictConfig):
    source: Literal["sklearn_digits", "mnist"]
    """sklearn_digits: scikit-learn's bundled 8x8 digits (offline); mnist: raw IDX files in ``mnist_dir``."""
    mnist_dir: str
    """Folder holding MNIST's four IDX files (train/t10k images and labels, optionally .gz); paper profile."""
    test_fraction: float = Field(gt=0.0, lt=1.0)
    """Share of the images held out to measure the reward classifier's accuracy."""
    seed: int = Field(ge=0)


class ClassifierConfig(StrictConfig):
    channels: int = Field(ge=1)
    """Width of the convolutional digit classifier whose P(even) is the reward."""
    feature_dim: int = Field(ge=2)
    """Size of the penultimate features used by the feature-diversity metric."""
    epochs: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    seed: int = Field(ge=0)


class FlowModelConfig(StrictConfig):
    """A small ``SD3Transformer2DModel``; the class label enters as the pooled projection and one text token."""

    patch_size: int = Field(ge=1)
    num_layers: int = Field(ge=1)
    num_attention_heads: int = Field(ge=1)
    attention_head_dim: int = Field(ge=4)


class BaseTrainingConfig(StrictConfig):
    model: FlowModelConfig
    steps: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    timestep_sampling: Literal["uniform", "logit_normal"]
    """How training sigmas are drawn (diffusers' compute_density_for_timestep_sampling)."""
    sampling_steps: int = Field(ge=1)
    """Euler steps of FlowMatchEulerDiscreteScheduler when sampling (base and fine-tuned models alike)."""
    seed: int = Field(ge=0)


class FinetuneConfig(StrictConfig):
    tau: float = Field(ge=0.0)
    """Temperature of the reward weight w = exp(tau * r); the released code uses 0.5."""
    steps: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    warmup_steps: int = Field(ge=0)
    grad_clip: float = Field(gt=0.0)
    refresh_every: int = Field(ge=1)
    """Gradient steps between two refreshes of the sample pool from the current policy (the online loop)."""
    pool_size: int = Field(ge=2)
    """Samples drawn from the policy at each refresh; they are also the batch the metrics are measured on."""


class SweepConfig(StrictConfig):
    alphas: list[Annotated[float, Field(ge=0.0)]] = Field(min_length=1)
    """W2 regularisation strengths; each value is a separate DVC stage (matrix with ``seeds``)."""
    seeds: list[Annotated[int, Field(ge=0)]] = Field(min_length=1)


class FiguresConfig(StrictConfig):
    grid_seed: int = Field(ge=0)
    """Which seed's samples the grid figure shows."""
    grid_rows: int = Field(ge=1)


class ORWConfig(SectionConfig):
    SECTION = "orw"

    data: DigitsDataConfig
    classifier: ClassifierConfig
    base: BaseTrainingConfig
    finetune: FinetuneConfig
    sweep: SweepConfig
    figures: FiguresConfig


RUNS = Path("runs/orw")
ARTIFACTS = Path("artifacts/orw")


def finetune_run_dir(alpha: float, seed: int) -> Path:
    """Where one fine-tuning run writes; dvc.yaml spells the same path as runs/orw/finetune/alpha${item.alpha}-seed${item.seed}."""
    return RUNS / "finetune" / f"alpha{alpha}-seed{seed}"
