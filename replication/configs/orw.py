"""ORW-CFM-W2 on handwritten digits: the typed mirror of ``params.yaml``'s ``orw`` section."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

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
    condition_dropout: float = Field(gt=0.0, lt=1.0)
    """Share of training labels replaced by the null label, so that the model also draws digits unconditionally
    (the null label is what ORW-CFM-W2 fine-tunes)."""
    steps: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    timestep_sampling: Literal["uniform", "logit_normal"]
    """How training sigmas are drawn (diffusers' compute_density_for_timestep_sampling)."""
    sampling_steps: int = Field(ge=1)
    """Euler steps of FlowMatchEulerDiscreteScheduler when sampling (base and fine-tuned models alike)."""
    seed: int = Field(ge=0)


class EvaluationConfig(StrictConfig):
    samples: int = Field(ge=2)
    """Fresh unconditional samples every model (base and each fine-tuned run) is measured on."""
    seed: int = Field(ge=0)
    """Seed of the evaluation noise: the same noise for every model."""


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
    w2_samples: int = Field(ge=1)
    """How many of each refresh's samples also measure the W2 proxy (the reference along their trajectories)."""


class SweepConfig(StrictConfig):
    alphas: list[Annotated[float, Field(ge=0.0)]] = Field(min_length=1)
    """W2 regularisation strengths; each value is a separate DVC stage (matrix with ``seeds``)."""
    seeds: list[Annotated[int, Field(ge=0)]] = Field(min_length=1)


class ControlConfig(StrictConfig):
    taus: list[Annotated[float, Field(ge=0.0)]] = Field(min_length=1)
    """Temperatures of the alpha = 0 control runs; 0 gives every sample the weight 1: the online loop without any
    reward, to tell the collapse the reward causes from the one the loop causes on its own. The report pools them."""
    seeds: list[Annotated[int, Field(ge=0)]] = Field(min_length=1)


class GateWindow(StrictConfig):
    """A precondition's window [min, max): the measured value must lie in it (replication.eval.gates)."""

    min: float
    max: float

    @model_validator(mode="after")
    def _nonempty(self) -> "GateWindow":
        if not self.min < self.max:
            raise ValueError(f"empty gate window: min {self.min} must be below max {self.max}")
        return self


class GatesConfig(StrictConfig):
    classifier_accuracy: GateWindow
    """Held-out accuracy of the reward classifier."""
    base_reward: GateWindow
    """The base model's mean P(even): above chance with room below the optimum 1."""
    base_class_entropy: GateWindow
    """The base model's class-histogram entropy: near log 10, so that there is something to collapse."""
    strongest_pull: GateWindow
    """Pull alpha / (exp(tau r) + alpha) of the sweep's largest alpha at the base's mean reward: alpha must bite."""


class VerdictConfig(StrictConfig):
    reward_margin: float = Field(gt=0.0)
    """C1 holds only if the weakest alpha > 0 keeps its mean reward within this margin of alpha = 0's."""


class FiguresConfig(StrictConfig):
    grid_seed: int = Field(ge=0)
    """Which seed's samples the grid figure shows."""
    grid_rows: int = Field(ge=1)
    grid_columns: int = Field(ge=1)


class ORWConfig(SectionConfig):
    SECTION = "orw"

    data: DigitsDataConfig
    classifier: ClassifierConfig
    base: BaseTrainingConfig
    evaluation: EvaluationConfig
    finetune: FinetuneConfig
    sweep: SweepConfig
    control: ControlConfig
    gates: GatesConfig
    verdict: VerdictConfig
    figures: FiguresConfig


RUNS = Path("runs/orw")
ARTIFACTS = Path("artifacts/orw")
METRICS = Path("metrics/orw")


def finetune_run_dir(alpha: float, seed: int, tau: float | None = None) -> Path:
    """Where one fine-tuning run writes. dvc.yaml spells the same paths: runs/orw/finetune/alpha${item.alpha}-seed${item.seed}
    for the sweep (tau None: the profile's), runs/orw/control/tau${item.tau}-seed${item.seed} for the alpha = 0 controls."""
    if tau is None:
        return RUNS / "finetune" / f"alpha{alpha}-seed{seed}"
    if alpha != 0.0:
        raise ValueError(f"control runs have alpha = 0, got alpha={alpha}")
    return RUNS / "control" / f"tau{tau}-seed{seed}"
