"""ADRPO for flow matching on two testbeds (captioned shapes, digits): the typed mirror of ``params.yaml``'s
``adrpo_flow`` section, the registry of the compared methods and the names of the runs' directories.

A run of the sweep is named by a *run id* ``<method>-<coefficient>`` (``adrpo-0.1``, ``orw-0.5``): the method is a
key of ``METHODS`` and the coefficient is that method's swept value (ADRPO's beta0, ORW-CFM-W2's alpha, ...),
spelled as Python's ``f"{value:g}"`` spells it so that one configuration has exactly one directory. dvc.yaml's
matrix stages iterate over the ``runs`` lists below and spell the directory as ``finetune_run_dir`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from replication.pipeline.params import SectionConfig, StrictConfig


@dataclass(frozen=True)
class Method:
    """What the sweep, the figures and the report need to know of one method (its loss is in
    ``replication.flow.adrpo_objectives.RECIPES``, keyed the same way)."""

    label: str
    coefficient: str  # the swept coefficient's name
    colour: str  # one colour per method in every figure
    min_value: float  # the coefficient must be > min_value (or >= when ``inclusive``)
    inclusive: bool = False


METHODS: dict[str, Method] = {
    "adrpo": Method("ADRPO", "beta0", "#d62728", 0.0),
    "fixed_beta": Method("fixed beta", "beta0", "#ff7f0e", 0.0),
    "orw": Method("ORW-CFM-W2", "alpha", "#1f77b4", 0.0, inclusive=True),
    "dpo": Method("Diffusion-DPO", "beta", "#2ca02c", 0.0),
}
TESTBEDS = ("shapes", "digits")


def parse_run(run: str) -> tuple[str, float]:
    """``"adrpo-0.1"`` -> ``("adrpo", 0.1)``; raises ValueError naming what is allowed."""
    method, _, value = run.partition("-")  # method names have no hyphen; a coefficient may be negative
    if method not in METHODS:
        raise ValueError(f"run {run!r}: unknown method {method!r}; allowed: {', '.join(METHODS)} "
                         f"(a run id is <method>-<coefficient>, e.g. adrpo-0.1)")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"run {run!r}: coefficient {value!r} is not a number") from None
    spec = METHODS[method]
    if number < spec.min_value or (number == spec.min_value and not spec.inclusive):
        side = ">=" if spec.inclusive else ">"
        raise ValueError(f"run {run!r}: {spec.label}'s {spec.coefficient} must be {side} {spec.min_value:g}")
    if run != run_id(method, number):
        raise ValueError(f"run {run!r}: spell it {run_id(method, number)!r} (one spelling per configuration)")
    return method, number


def run_id(method: str, value: float) -> str:
    return f"{method}-{value:g}"


def run_label(run: str) -> str:
    """``"adrpo-0.1"`` -> ``"ADRPO beta0=0.1"`` (legends, tables)."""
    method, value = parse_run(run)
    return f"{METHODS[method].label} {METHODS[method].coefficient}={value:g}"


class ShapesDataConfig(StrictConfig):
    image_size: int = Field(ge=12)
    """Side of the generated RGB images (two shapes side by side or stacked)."""
    relations: list[Literal["left of", "right of", "above", "below"]] = Field(min_length=1)
    """Relation words of the captions; at least one per layout (each scene gets one caption per word)."""
    shapes: list[Literal["square", "triangle", "cross"]] = Field(min_length=1)
    """The shapes scenes are drawn with (4 colours each); the classifier keeps a head over all three."""
    heldout_fraction: float = Field(ge=0.0, lt=1.0)
    """Share of the scenes kept out of every training set: the held-out prompts."""
    n_train: int = Field(ge=8)
    """Images rendered for training the base generator and the reward classifier (training scenes only)."""
    n_test: int = Field(ge=8)
    """Images rendered from held-out scenes, to measure the classifier's accuracy on unseen compositions."""
    seed: int = Field(ge=0)


class ClassifierConfig(StrictConfig):
    channels: int = Field(ge=1)
    """Width of the shapes classifier (reward and diversity embedding)."""
    feature_dim: int = Field(ge=2)
    """Size of its per-half object features; the diversity embedding concatenates four of them."""
    epochs: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    seed: int = Field(ge=0)


class TextFlowModelConfig(StrictConfig):
    """``PromptConditionedFlow``: a small SD3Transformer2DModel and a small CLIPTextModel."""

    max_length: int = Field(ge=10)
    """Tokens per prompt, <bos> and <eos> included (the longest caption has 9 words)."""
    text_dim: int = Field(ge=8)
    text_layers: int = Field(ge=1)
    text_heads: int = Field(ge=1)
    patch_size: int = Field(ge=1)
    num_layers: int = Field(ge=1)
    num_attention_heads: int = Field(ge=1)
    attention_head_dim: int = Field(ge=4)


class GateConfig(StrictConfig):
    """The precondition of every RL stage: the base model's reward on the RL prompts lies in [min, max)."""

    min_reward: float
    """Below it the base is too close to chance for advantages to mean anything."""
    max_reward: float
    """At or above it there is too little room above the base for the methods to differ."""

    @model_validator(mode="after")
    def _ordered(self) -> GateConfig:
        if not self.min_reward < self.max_reward:
            raise ValueError(f"min_reward ({self.min_reward}) must be below max_reward ({self.max_reward})")
        return self


class BaseTrainingConfig(StrictConfig):
    model: TextFlowModelConfig
    steps: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    timestep_sampling: Literal["uniform", "logit_normal"]
    sampling_steps: int = Field(ge=1)
    """Euler steps of FlowMatchEulerDiscreteScheduler when sampling (base and fine-tuned models alike)."""
    seed: int = Field(ge=0)
    gate: GateConfig


class PaperConfig(StrictConfig):
    """What the paper profile loads instead of the toy models (read only when ``generator`` says so)."""

    generator: Literal["toy", "sd3_lora"]
    """toy: the PromptConditionedFlow trained by the base stage; sd3_lora: SD3-medium + LoRA (reference: adapter off)."""
    sd3_model_id: str
    lora_rank: int = Field(ge=1)
    resolution: int = Field(ge=8)
    clip_model_id: str
    """CLIPModel for CLIPScore and the CLIP-embedding diversity (paper profile)."""


class EvaluationConfig(StrictConfig):
    """The fixed final evaluation batch of a testbed: the same prompts and noise for every model and run."""

    prompts: int = Field(ge=1)
    """Prompts of each split in the batch."""
    samples_per_prompt: int = Field(ge=2)
    """Samples per prompt (diversity is measured between them); prompts x samples_per_prompt >= 512 on tiny."""
    seed: int = Field(ge=0)
    """Seed of the batch's prompts and noise (and of the RL prompt subset on shapes)."""


class ShapesEvaluationConfig(EvaluationConfig):
    rl_prompts: int = Field(ge=1)
    """Training prompts the RL stages use: a fixed subset of the training split (the same in every run; ADRPO's
    prompt set is not published). The base stage's gate is measured on them; held-out prompts measure what
    carries over to unseen compositions."""


class RLConfig(StrictConfig):
    """The online loop of one testbed; every method of the sweep shares it (only the loss changes)."""

    steps: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    """Adam's learning rate of the advantage- and reward-weighted methods (ADRPO, fixed beta, ORW-CFM-W2)."""
    dpo_lr: float = Field(gt=0.0)
    """Diffusion-DPO's own learning rate: its logistic loss has another scale than the weighted regressions."""
    warmup_steps: int = Field(ge=0)
    grad_clip: float = Field(gt=0.0)
    refresh_every: int = Field(ge=1)
    """Gradient steps between two refreshes of the pool from the current policy (the online loop)."""
    prompts_per_pool: int = Field(ge=1)
    samples_per_prompt: int = Field(ge=2)
    """K: samples per prompt in a pool; the advantage is each reward minus its prompt's mean over these K
    (the tiny profile uses K >= 8)."""
    groups_per_batch: int = Field(ge=1)
    """Whole prompt groups per gradient step (batch = groups_per_batch * K; DPO: its best-worst pair of each)."""
    tau: float = Field(ge=0.0)
    """ORW-CFM-W2's reward-weight temperature, w = exp(tau * r)."""


class SweepConfig(StrictConfig):
    """Expanded by DVC: one fine-tuning stage per run id and seed (the matrix ``run`` x ``seed``)."""

    runs: list[str] = Field(min_length=1)
    """Run ids ``<method>-<coefficient>``; methods: adrpo (beta0), fixed_beta (beta0), orw (alpha), dpo (beta)."""
    seeds: list[Annotated[int, Field(ge=0)]] = Field(min_length=1)

    @field_validator("runs")
    @classmethod
    def _known_runs(cls, runs: list[str]) -> list[str]:
        for run in runs:
            parse_run(run)
        duplicates = sorted({run for run in runs if runs.count(run) > 1})
        if duplicates:
            raise ValueError(f"runs listed twice: {duplicates}")
        return runs


class DigitsConfig(StrictConfig):
    """The second testbed: ORW-CFM-W2's class-conditioned digits generator, the class as the prompt."""

    sampling_steps: int = Field(ge=1)
    """Euler steps when sampling the digits generator (the orw section's tiny value)."""
    gate: GateConfig
    evaluation: EvaluationConfig
    finetune: RLConfig
    sweep: SweepConfig


class FiguresConfig(StrictConfig):
    grid_prompts: int = Field(ge=1)
    """Held-out prompts shown in the sample grid, one row each."""
    grid_samples: int = Field(ge=1)


class ADRPOFlowConfig(SectionConfig):
    SECTION = "adrpo_flow"

    data: ShapesDataConfig
    classifier: ClassifierConfig
    base: BaseTrainingConfig
    evaluation: ShapesEvaluationConfig
    paper_models: PaperConfig
    finetune: RLConfig
    sweep: SweepConfig
    digits: DigitsConfig
    figures: FiguresConfig


RUNS = Path("runs/adrpo_flow")
ARTIFACTS = Path("artifacts/adrpo_flow")
METRICS = Path("metrics/adrpo_flow")
ORW_ARTIFACTS = Path("artifacts/orw")  # the digits testbed's generator and classifier (the orw stages build them)
GATE_FILES = {"shapes": METRICS / "base.json", "digits": METRICS / "digits_base.json"}


def finetune_run_dir(testbed: str, run: str, seed: int) -> Path:
    """Where one fine-tuning run writes; dvc.yaml spells it runs/adrpo_flow/<testbed>/<run>-seed<seed>."""
    if testbed not in TESTBEDS:
        raise ValueError(f"unknown testbed {testbed!r}; allowed: {', '.join(TESTBEDS)}")
    parse_run(run)
    return RUNS / testbed / f"{run}-seed{seed}"
