"""What the ADRPO flow experiment fine-tunes and scores, per profile: the toy models or SD3 + LoRA with CLIPScore."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import torch

from replication.configs.adrpo_flow import FinetuneConfig
from replication.configs.runtime import RuntimeConfig
from replication.flow.prompt_pool import Scorer
from replication.models.text_flow import PromptConditionedFlow
from replication.pipeline.runtime import resolve_device
from replication.rewards.image import CLIPScoreReward, ShapesAgreementReward


@dataclass
class FlowSetup:
    policy: torch.nn.Module  # trainable: forward(x_sigma, sigma, prompt_index)
    reference: torch.nn.Module  # frozen, same interface
    scorer: Scorer  # images, prompts -> (rewards, diversity embeddings)
    shape: tuple[int, ...]  # of one sample in the model's space (pixels or latents)
    decode: Callable[[torch.Tensor], torch.Tensor] | None  # model space -> images in [-1, 1]
    save: Callable[[Path], None]  # writes the fine-tuned weights


def load_flow_setup(config: FinetuneConfig, artifacts: Path, prompts: list[str], runtime: RuntimeConfig) -> FlowSetup:
    """tiny/smoke: the base PromptConditionedFlow twice (policy with a frozen text encoder, frozen reference) and the
    shapes-agreement reward; paper (``generator: sd3_lora``): SD3-medium with LoRA, reference = adapter off, and
    CLIPScore. The paper branch downloads from the hub on first use."""
    models = config.paper_models
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
