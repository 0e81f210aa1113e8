"""What the ADRPO flow experiment fine-tunes and scores, per testbed and profile.

- shapes (tiny/smoke): the base PromptConditionedFlow twice (policy with a frozen text encoder, frozen reference)
  and the shapes-agreement reward; paper profile (``generator: sd3_lora``): SD3-medium with LoRA, reference =
  adapter off, and CLIPScore.
- digits: ORW-CFM-W2's class-conditioned generator and digit classifier (``artifacts/orw``), the class as the
  prompt ("0" ... "9") and P(asked digit) as the reward.

Both come back as a ``Testbed``: the models, the scorer, the prompt set and the prompt splits the RL loop draws
from and the evaluation measures on, so one fine-tuning notebook serves both.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import torch

from replication.configs.adrpo_flow import (
    ARTIFACTS,
    ORW_ARTIFACTS,
    EvaluationConfig,
    PaperConfig,
    ShapesEvaluationConfig,
)
from replication.configs.runtime import RuntimeConfig
from replication.data import shapes
from replication.flow.prompt_pool import Scorer, prompt_subset
from replication.models.class_flow import ClassConditionedFlow
from replication.models.digit_classifier import DigitClassifier
from replication.models.text_flow import PromptConditionedFlow
from replication.pipeline.runtime import resolve_device
from replication.rewards.digit_class import DIGIT_PROMPTS, ConditionedDigitReward
from replication.rewards.image import CLIPScoreReward, ShapesAgreementReward


@dataclass
class FlowSetup:
    policy: torch.nn.Module  # trainable: forward(x_sigma, sigma, prompt_index)
    reference: torch.nn.Module  # frozen, same interface
    scorer: Scorer  # images, prompts -> (rewards, diversity embeddings)
    shape: tuple[int, ...]  # of one sample in the model's space (pixels or latents)
    decode: Callable[[torch.Tensor], torch.Tensor] | None  # model space -> images in [-1, 1]
    save: Callable[[Path], None]  # writes the fine-tuned weights


@dataclass
class Testbed:
    name: str
    setup: FlowSetup
    prompts: list[str]  # the prompt set; conditions are indices into it
    splits: dict[str, torch.Tensor]  # "train": the RL prompts; shapes also "heldout" (never trained on)
    evaluation: EvaluationConfig  # the fixed final evaluation batch
    sampling_steps: int


def load_flow_setup(models: PaperConfig, artifacts: Path, prompts: list[str], runtime: RuntimeConfig) -> FlowSetup:
    """The shapes testbed's models and reward (toy, or SD3 + LoRA with CLIPScore on the paper profile, which
    downloads from the hub on first use)."""
    device = resolve_device(runtime)
    if models.generator == "toy":
        policy = PromptConditionedFlow.from_pretrained(artifacts / "base")
        policy.text_encoder.requires_grad_(False)  # RL tunes the generator; the text encoder stays pre-trained
        reference = PromptConditionedFlow.from_pretrained(artifacts / "base").requires_grad_(False)
        if list(policy.config.prompts) != list(prompts):
            raise ValueError("the base model's prompt set differs from the data stage's: rerun the base stage")
        reward = ShapesAgreementReward.from_path(artifacts / "classifier")
        reward.classifier.to(device)
        size = policy.config.sample_size
        return FlowSetup(policy, reference, reward.scores, (policy.config.in_channels, size, size), None,
                         lambda path: policy.save_pretrained(path))
    # the paper profile: imported here so that the toy profile never touches the SD3 code path
    from diffusers import StableDiffusion3Pipeline
    from peft.utils import get_peft_model_state_dict

    from replication.models.sd3_paper import (
        AdapterDisabled,
        SD3LoRAFlow,
        decode_latents,
        latent_shape,
        load_sd3_with_lora,
    )

    pipe = load_sd3_with_lora(models.sd3_model_id, rank=models.lora_rank).to(device)
    policy = SD3LoRAFlow(pipe, prompts)
    reward = CLIPScoreReward.from_pretrained(models.clip_model_id)
    reward.model.to(device)

    def save(path: Path) -> None:
        StableDiffusion3Pipeline.save_lora_weights(path, transformer_lora_layers=get_peft_model_state_dict(pipe.transformer))

    return FlowSetup(policy, AdapterDisabled(policy), reward.scores, latent_shape(pipe, models.resolution, models.resolution),
                     partial(decode_latents, pipe), save)


def load_digits_setup(artifacts: Path, runtime: RuntimeConfig) -> FlowSetup:
    """ORW-CFM-W2's digits generator (policy and frozen reference) and P(asked digit) through its classifier."""
    policy = ClassConditionedFlow.from_pretrained(artifacts / "base")
    reference = ClassConditionedFlow.from_pretrained(artifacts / "base").requires_grad_(False)
    reward = ConditionedDigitReward(DigitClassifier.from_pretrained(artifacts / "classifier"))
    reward.classifier.to(resolve_device(runtime))
    config = policy.config
    return FlowSetup(policy, reference, reward.scores, (config.in_channels, config.sample_size, config.sample_size),
                     None, lambda path: policy.save_pretrained(path))


def shapes_testbed(evaluation: ShapesEvaluationConfig, models: PaperConfig, sampling_steps: int,
                   runtime: RuntimeConfig) -> Testbed:
    """Captioned shapes: the RL prompts are a fixed subset of the training prompts, the held-out prompts a split."""
    _, split = shapes.load_split(ARTIFACTS / "data")
    rl_index = prompt_subset(torch.tensor(split["train_prompts"]), evaluation.rl_prompts, evaluation.seed)
    splits = {"train": rl_index, "heldout": torch.tensor(split["heldout_prompts"])}
    setup = load_flow_setup(models, ARTIFACTS, split["prompts"], runtime)
    return Testbed("shapes", setup, split["prompts"], splits, evaluation, sampling_steps)


def digits_testbed(evaluation: EvaluationConfig, sampling_steps: int, runtime: RuntimeConfig) -> Testbed:
    """Digits: every class is an RL prompt ("0" ... "9"); there is nothing to hold out."""
    setup = load_digits_setup(ORW_ARTIFACTS, runtime)
    splits = {"train": torch.arange(len(DIGIT_PROMPTS))}
    return Testbed("digits", setup, DIGIT_PROMPTS, splits, evaluation, sampling_steps)
