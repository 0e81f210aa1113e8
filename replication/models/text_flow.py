"""A prompt-conditioned flow-matching image generator at toy scale, and sampling that also measures W2.

The generator is SD3's own architecture made small: diffusers' ``SD3Transformer2DModel`` (MMDiT: joint attention
over image patches and text tokens, pooled text in the adaptive norms) conditioned by a transformers
``CLIPTextModel`` with a small config and a word-level tokenizer built here from the caption vocabulary. It
generates pixels directly (no VAE at this size). ``TextFlowModel.save_pretrained`` writes each component in its
library's own format to a subfolder; ``TextFlowModel.from_pretrained`` reads them back.

Flow-matching convention (diffusers' SD3 training script and ``FlowMatchEulerDiscreteScheduler``)::

    x_sigma = (1 - sigma) * x_1 + sigma * noise,     target u = noise - x_1,     timestep = 1000 * sigma

and sampling integrates dx/dsigma = v with Euler steps from sigma = 1 (noise) to sigma = 0 (image).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import WhitespaceSplit
from tokenizers.processors import TemplateProcessing
from transformers import CLIPTextConfig, CLIPTextModel, PreTrainedTokenizerFast

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"

# (x_t (B, C, H, W), sigma (B,), prompt_embeds (B, T, D), pooled (B, P)) -> velocity (B, C, H, W)
VelocityFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def build_tokenizer(words: list[str], max_length: int) -> PreTrainedTokenizerFast:
    """A word-level tokenizer over ``words``: ``<bos> w1 ... wn <eos>`` padded to ``max_length`` with ``<pad>``.

    The special ids are 0..3 (pad, unk, bos, eos). CLIP pools the hidden state at the first ``<eos>``; its legacy
    path (eos id 2) would pool at the largest id instead, so eos is deliberately not id 2.
    """
    vocab = {PAD: 0, UNK: 1, BOS: 2, EOS: 3}
    for word in sorted(set(words)):
        vocab.setdefault(word, len(vocab))
    backend = Tokenizer(WordLevel(vocab=vocab, unk_token=UNK))
    backend.pre_tokenizer = WhitespaceSplit()
    backend.post_processor = TemplateProcessing(single=f"{BOS} $A {EOS}", special_tokens=[(BOS, 2), (EOS, 3)])
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token=BOS, eos_token=EOS, pad_token=PAD, unk_token=UNK,
        model_max_length=max_length, padding_side="right",
    )


@dataclass
class TextFlowModel:
    """Tokenizer + CLIP text encoder + SD3 transformer + flow-matching scheduler, saved and loaded together."""

    tokenizer: PreTrainedTokenizerFast
    text_encoder: CLIPTextModel
    transformer: SD3Transformer2DModel
    scheduler: FlowMatchEulerDiscreteScheduler

    @classmethod
    def build(
        cls,
        words: list[str],
        image_size: int,
        *,
        max_length: int = 12,
        text_dim: int = 32,
        text_layers: int = 2,
        text_heads: int = 2,
        patch_size: int = 2,
        num_layers: int = 2,
        num_attention_heads: int = 2,
        attention_head_dim: int = 16,
    ) -> "TextFlowModel":
        """A randomly initialised model (seed torch first). Text and image streams meet in the joint attention."""
        tokenizer = build_tokenizer(words, max_length)
        text_encoder = CLIPTextModel(CLIPTextConfig(
            vocab_size=len(tokenizer), hidden_size=text_dim, intermediate_size=2 * text_dim,
            num_hidden_layers=text_layers, num_attention_heads=text_heads, max_position_embeddings=max_length,
            pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id, projection_dim=text_dim,
        ))
        inner = num_attention_heads * attention_head_dim
        transformer = SD3Transformer2DModel(
            sample_size=image_size, patch_size=patch_size, in_channels=3, out_channels=3,
            num_layers=num_layers, attention_head_dim=attention_head_dim, num_attention_heads=num_attention_heads,
            joint_attention_dim=text_dim, caption_projection_dim=inner, pooled_projection_dim=text_dim,
            pos_embed_max_size=image_size // patch_size,
        )
        return cls(tokenizer, text_encoder, transformer, FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000))

    def save_pretrained(self, path: str | Path) -> None:
        path = Path(path)
        self.tokenizer.save_pretrained(path / "tokenizer")
        self.text_encoder.save_pretrained(path / "text_encoder")
        self.transformer.save_pretrained(path / "transformer")
        self.scheduler.save_pretrained(path / "scheduler")

    @classmethod
    def from_pretrained(cls, path: str | Path) -> "TextFlowModel":
        path = Path(path)
        missing = [sub for sub in ("tokenizer", "text_encoder", "transformer", "scheduler") if not (path / sub).is_dir()]
        if missing:
            raise FileNotFoundError(f"{path} is not a saved TextFlowModel: missing subfolder(s) {missing}")
        return cls(
            PreTrainedTokenizerFast.from_pretrained(path / "tokenizer"),
            CLIPTextModel.from_pretrained(path / "text_encoder"),
            SD3Transformer2DModel.from_pretrained(path / "transformer"),
            FlowMatchEulerDiscreteScheduler.from_pretrained(path / "scheduler"),
        )

    @property
    def image_shape(self) -> tuple[int, int, int]:
        config = self.transformer.config
        return (config.in_channels, config.sample_size, config.sample_size)

    def encode(self, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Prompts -> (token states (B, T, D), pooled state at <eos> (B, D)); gradients flow when the encoder trains."""
        tokens = self.tokenizer(prompts, padding="max_length", truncation=True, return_tensors="pt")
        unknown = (tokens.input_ids == self.tokenizer.unk_token_id).any(dim=1)
        if unknown.any():
            bad = [p for p, u in zip(prompts, unknown.tolist()) if u]
            raise ValueError(f"prompt(s) with words outside the vocabulary: {bad[:3]}")
        out = self.text_encoder(input_ids=tokens.input_ids, attention_mask=tokens.attention_mask)
        return out.last_hidden_state, out.pooler_output

    def velocity(self) -> VelocityFn:
        return transformer_velocity(self.transformer)


def transformer_velocity(transformer: SD3Transformer2DModel) -> VelocityFn:
    """v(x_t, sigma, c) from an SD3 transformer, called the way diffusers' pipeline calls it (timestep = 1000 sigma)."""

    def velocity(x_t, sigma, prompt_embeds, pooled):
        return transformer(
            hidden_states=x_t, encoder_hidden_states=prompt_embeds, pooled_projections=pooled,
            timestep=sigma * 1000.0, return_dict=False,
        )[0]

    return velocity


def noised(x_1: torch.Tensor, noise: torch.Tensor, sigma: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_sigma, u): x_sigma = (1 - sigma) x_1 + sigma * noise and the flow-matching target u = noise - x_1."""
    s = sigma.view(-1, *([1] * (x_1.dim() - 1)))  # (B, 1, 1, 1)
    return (1.0 - s) * x_1 + s * noise, noise - x_1


@torch.no_grad()
def sample(
    policy: VelocityFn,
    prompt_embeds: torch.Tensor,
    pooled: torch.Tensor,
    scheduler: FlowMatchEulerDiscreteScheduler,
    shape: tuple[int, ...],
    num_steps: int,
    generator: torch.Generator,
    reference: VelocityFn | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Euler-integrate the policy from noise (sigma = 1) to an image (sigma = 0) with ``scheduler.step``.

    When ``reference`` is given it is evaluated at every point of the *policy's* trajectory and the W2 proxy

        W2_i = (1 / N) * sum_n mean_dims ||v_theta(x_n, sigma_n, c_i) - v_ref(x_n, sigma_n, c_i)||^2

    is returned per sample (B,) beside the images (B, *shape); otherwise the second value is None. The noise comes
    from ``generator`` on the CPU, so a run is reproducible whatever the device.
    """
    batch = prompt_embeds.shape[0]
    x = torch.randn((batch, *shape), generator=generator).to(prompt_embeds.device, prompt_embeds.dtype)
    scheduler.set_timesteps(num_steps, device=prompt_embeds.device)
    w2 = torch.zeros(batch, device=prompt_embeds.device, dtype=torch.float32) if reference is not None else None
    for t in scheduler.timesteps:
        sigma = (t / 1000.0).expand(batch).to(x.dtype)  # (B,)
        v = policy(x, sigma, prompt_embeds, pooled)  # (B, C, H, W)
        if reference is not None:
            v_ref = reference(x, sigma, prompt_embeds, pooled)
            w2 += (v - v_ref).float().pow(2).flatten(1).mean(dim=1) / num_steps
        x = scheduler.step(v, t, x, return_dict=False)[0]
    return x, w2
