"""ADRPO for flow matching on captioned shapes: the typed mirror of ``params.yaml``'s ``adrpo_flow`` section."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from replication.pipeline.params import SectionConfig, StrictConfig


class ShapesDataConfig(StrictConfig):
    image_size: int = Field(ge=12)
    """Side of the generated RGB images (two shapes side by side or stacked)."""
    heldout_fraction: float = Field(ge=0.0, lt=1.0)
    """Share of the 264 scenes (528 prompts) kept out of every training set: the held-out prompts."""
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


class BaseTrainingConfig(StrictConfig):
    model: TextFlowModelConfig
    steps: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    timestep_sampling: Literal["uniform", "logit_normal"]
    sampling_steps: int = Field(ge=1)
    """Euler steps of FlowMatchEulerDiscreteScheduler when sampling (base and fine-tuned models alike)."""
    seed: int = Field(ge=0)


class PaperConfig(StrictConfig):
    """What the paper profile loads instead of the toy models (read only when ``generator`` says so)."""

    generator: Literal["toy", "sd3_lora"]
    """toy: the PromptConditionedFlow trained by the base stage; sd3_lora: SD3-medium + LoRA (reference: adapter off)."""
    sd3_model_id: str
    lora_rank: int = Field(ge=1)
    resolution: int = Field(ge=8)
    clip_model_id: str
    """CLIPModel for CLIPScore and the CLIP-embedding diversity (paper profile)."""


class FinetuneConfig(StrictConfig):
    rl_prompts: int = Field(ge=1)
    """Training prompts the RL stages use: a fixed subset of the training split (the same in every run; ADRPO's
    prompt set is not published). Held-out prompts measure what carries over to unseen compositions."""
    steps: int = Field(ge=1)
    lr: float = Field(gt=0.0)
    warmup_steps: int = Field(ge=0)
    grad_clip: float = Field(gt=0.0)
    refresh_every: int = Field(ge=1)
    """Gradient steps between two refreshes of the pool from the current policy (the online loop)."""
    prompts_per_pool: int = Field(ge=1)
    samples_per_prompt: int = Field(ge=2)
    """K: samples per prompt; the advantage is each reward minus its prompt's mean over these K."""
    groups_per_batch: int = Field(ge=1)
    """Whole prompt groups per gradient step (batch size = groups_per_batch * samples_per_prompt)."""
    tau: float = Field(ge=0.0)
    """ORW-CFM-W2's reward-weight temperature, w = exp(tau * r)."""
    eval_prompts: int = Field(ge=1)
    """Prompts of each split (RL prompts and held-out) in the fixed final evaluation batch."""
    eval_samples_per_prompt: int = Field(ge=2)
    eval_seed: int = Field(ge=0)
    paper_models: PaperConfig


class SweepConfig(StrictConfig):
    """Each list is expanded by DVC (matrix with ``seeds``): one fine-tuning stage per value and seed."""

    beta0s: list[Annotated[float, Field(gt=0.0)]] = Field(min_length=1)
    """ADRPO's base coefficient beta0 (beta_eff = beta0 - A)."""
    alphas: list[Annotated[float, Field(ge=0.0)]] = Field(min_length=1)
    """ORW-CFM-W2's W2 strength alpha."""
    fixed_beta0s: list[Annotated[float, Field(gt=0.0)]] = Field(min_length=1)
    """The fixed-coefficient ablation's beta0."""
    dpo_betas: list[Annotated[float, Field(gt=0.0)]] = Field(min_length=1)
    """Diffusion-DPO's beta (its T * omega(lambda_t) / 2 folded in)."""
    seeds: list[Annotated[int, Field(ge=0)]] = Field(min_length=1)


class FiguresConfig(StrictConfig):
    grid_prompts: int = Field(ge=1)
    """Held-out prompts shown in the sample grid, one row each."""
    grid_samples: int = Field(ge=1)


class ADRPOFlowConfig(SectionConfig):
    SECTION = "adrpo_flow"

    data: ShapesDataConfig
    classifier: ClassifierConfig
    base: BaseTrainingConfig
    finetune: FinetuneConfig
    sweep: SweepConfig
    figures: FiguresConfig


RUNS = Path("runs/adrpo_flow")
ARTIFACTS = Path("artifacts/adrpo_flow")
METHOD_PARAMETER = {"adrpo": "beta0", "fixed_beta": "beta0", "orw": "alpha", "dpo": "beta"}


def finetune_run_dir(method: str, value: float, seed: int) -> Path:
    """Where one fine-tuning run writes; dvc.yaml spells it runs/adrpo_flow/finetune/<method>-<value>-seed<seed>."""
    if method not in METHOD_PARAMETER:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHOD_PARAMETER)}")
    return RUNS / "finetune" / f"{method}-{value}-seed{seed}"
