"""The paper profile's generator: Stable Diffusion 3 with a LoRA on its transformer, the reference being the adapter off.

ADRPO fine-tunes SD3-medium (``stabilityai/stable-diffusion-3-medium-diffusers``); the same functions load a tiny
pipeline saved locally in diffusers' format, which is how the test suite checks this path offline. ``SD3LoRAFlow``
and ``AdapterDisabled`` give the policy (adapter on) and the reference (adapter off, one copy of the weights as in
diffusers' LoRA training) the ``forward(x_sigma, sigma, prompt_index)`` interface of the toy model, so the same
online loop and samplers run on latents; ``decode_latents`` turns them into images for the reward.
Classifier-free guidance is not used while fine-tuning (as in ORW-CFM-W2's online loop); hence
``do_classifier_free_guidance=False`` below.
"""

from __future__ import annotations

import torch
from diffusers import StableDiffusion3Pipeline
from peft import LoraConfig
from torch import nn

PAPER_MODEL_ID = "stabilityai/stable-diffusion-3-medium-diffusers"
# The attention projections of the joint blocks, as in diffusers' train_dreambooth_lora_sd3.py.
DEFAULT_LORA_TARGETS = ("attn.to_k", "attn.to_q", "attn.to_v", "attn.to_out.0")


def load_sd3_with_lora(
    model_id_or_path: str = PAPER_MODEL_ID,
    *,
    rank: int = 16,
    lora_alpha: int | None = None,
    target_modules: tuple[str, ...] = DEFAULT_LORA_TARGETS,
    torch_dtype: torch.dtype = torch.float32,
) -> StableDiffusion3Pipeline:
    """Load an SD3 pipeline, freeze it, and add a trainable LoRA adapter named 'default' to its transformer.

    Only the LoRA parameters require gradients afterwards. LoRA's B matrices start at zero, so right after
    loading the policy equals the reference exactly (W2 = 0).
    """
    if rank < 1:
        raise ValueError(f"LoRA rank must be >= 1, got {rank}")
    pipe = StableDiffusion3Pipeline.from_pretrained(model_id_or_path, dtype=torch_dtype)
    for module in (pipe.transformer, pipe.vae, pipe.text_encoder, pipe.text_encoder_2, pipe.text_encoder_3):
        if module is not None:
            module.requires_grad_(False)
    pipe.transformer.add_adapter(LoraConfig(
        r=rank, lora_alpha=lora_alpha or rank, init_lora_weights="gaussian", target_modules=list(target_modules),
    ))
    return pipe


@torch.no_grad()
def encode_prompts(pipe: StableDiffusion3Pipeline, prompts: list[str], max_sequence_length: int = 256):
    """(prompt_embeds (B, T, D), pooled (B, P)) from SD3's three text encoders, without guidance."""
    embeds, _, pooled, _ = pipe.encode_prompt(
        prompt=prompts, prompt_2=None, prompt_3=None, do_classifier_free_guidance=False,
        max_sequence_length=max_sequence_length,
    )
    return embeds, pooled


class SD3LoRAFlow(nn.Module):
    """The LoRA-adapted SD3 transformer behind the same interface as the toy model: ``forward(x, sigma, index)``.

    The prompts are encoded once by SD3's three frozen text encoders (no guidance) and kept as buffers, so a
    training step runs the transformer only; ``index`` selects prompts of ``prompts``.
    """

    def __init__(self, pipe: StableDiffusion3Pipeline, prompts: list[str], max_sequence_length: int = 256):
        super().__init__()
        if not getattr(pipe.transformer, "_hf_peft_config_loaded", False):
            raise ValueError("the pipeline's transformer has no LoRA adapter; load it with load_sd3_with_lora")
        self.transformer = pipe.transformer
        self.prompts = list(prompts)
        embeds, pooled = encode_prompts(pipe, self.prompts, max_sequence_length)
        self.register_buffer("prompt_embeds", embeds, persistent=False)  # (P, T, D)
        self.register_buffer("pooled", pooled, persistent=False)  # (P, D')

    def forward(self, x_sigma: torch.Tensor, sigma: torch.Tensor, prompt_index: torch.Tensor) -> torch.Tensor:
        return self.transformer(
            hidden_states=x_sigma, encoder_hidden_states=self.prompt_embeds[prompt_index],
            pooled_projections=self.pooled[prompt_index], timestep=sigma * 1000.0, return_dict=False,
        )[0]


class AdapterDisabled(nn.Module):
    """The reference: the same transformer with its LoRA adapters switched off for the call.

    The policy is held outside the module tree (in a tuple) on purpose: the training loop freezes its reference
    with ``requires_grad_(False)``, which must not reach the LoRA weights the policy trains.
    """

    def __init__(self, policy: SD3LoRAFlow):
        super().__init__()
        self._policy = (policy,)

    def forward(self, x_sigma: torch.Tensor, sigma: torch.Tensor, prompt_index: torch.Tensor) -> torch.Tensor:
        policy = self._policy[0]
        policy.transformer.disable_adapters()
        try:
            return policy(x_sigma, sigma, prompt_index)
        finally:
            policy.transformer.enable_adapters()


def latent_shape(pipe: StableDiffusion3Pipeline, height: int, width: int) -> tuple[int, int, int]:
    factor = pipe.vae_scale_factor
    if height % (factor * pipe.transformer.config.patch_size) or width % (factor * pipe.transformer.config.patch_size):
        raise ValueError(f"height and width must be multiples of {factor * pipe.transformer.config.patch_size}")
    return (pipe.transformer.config.in_channels, height // factor, width // factor)


@torch.no_grad()
def decode_latents(pipe: StableDiffusion3Pipeline, latents: torch.Tensor) -> torch.Tensor:
    """Latents -> images in [-1, 1], (B, 3, H, W), undoing the VAE's shift and scale as the pipeline does."""
    latents = latents / pipe.vae.config.scaling_factor + pipe.vae.config.shift_factor
    return pipe.vae.decode(latents.to(pipe.vae.dtype), return_dict=False)[0].clamp(-1.0, 1.0)
