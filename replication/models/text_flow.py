"""A prompt-conditioned flow-matching image generator at toy scale: SD3's architecture made small.

diffusers' ``SD3Transformer2DModel`` (MMDiT: joint attention over image patches and text tokens, the pooled text
vector in the adaptive norms) conditioned by a transformers ``CLIPTextModel`` with a small config and a word-level
tokenizer built here from the caption vocabulary. It generates pixels directly (no VAE at 16 x 16).

The model knows its prompt set (``prompts``, every caption of the shapes grammar, training and held-out alike)
and is conditioned on an index into it, so it plugs into the same training loops and samplers as the
class-conditioned digits model (``forward(x_sigma, sigma, condition)``); the text still goes through the
tokenizer and the CLIP encoder at every call. ``encode`` takes arbitrary prompts of the vocabulary.
``save_pretrained`` / ``from_pretrained`` (diffusers' ModelMixin) keep the words, prompts and sizes in
config.json and the weights of both networks in one safetensors file.

Flow-matching convention (diffusers): x_sigma = (1 - sigma) x_1 + sigma * noise, u = noise - x_1,
timestep = 1000 * sigma.
"""

from __future__ import annotations

import torch
from diffusers import SD3Transformer2DModel
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import WhitespaceSplit
from tokenizers.processors import TemplateProcessing
from transformers import CLIPTextConfig, CLIPTextModel, PreTrainedTokenizerFast

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"


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


class PromptConditionedFlow(ModelMixin, ConfigMixin):
    @register_to_config
    def __init__(
        self,
        words: list[str] = ("a",),
        prompts: list[str] = ("a",),
        sample_size: int = 16,
        in_channels: int = 3,
        max_length: int = 12,
        text_dim: int = 32,
        text_layers: int = 2,
        text_heads: int = 2,
        patch_size: int = 2,
        num_layers: int = 2,
        num_attention_heads: int = 2,
        attention_head_dim: int = 16,
    ):
        super().__init__()
        self.tokenizer = build_tokenizer(list(words), max_length)
        self.text_encoder = CLIPTextModel(CLIPTextConfig(
            vocab_size=len(self.tokenizer), hidden_size=text_dim, intermediate_size=2 * text_dim,
            num_hidden_layers=text_layers, num_attention_heads=text_heads, max_position_embeddings=max_length,
            pad_token_id=self.tokenizer.pad_token_id, bos_token_id=self.tokenizer.bos_token_id,
            eos_token_id=self.tokenizer.eos_token_id, projection_dim=text_dim,
        ))
        width = num_attention_heads * attention_head_dim
        self.transformer = SD3Transformer2DModel(
            sample_size=sample_size, patch_size=patch_size, in_channels=in_channels, out_channels=in_channels,
            num_layers=num_layers, attention_head_dim=attention_head_dim, num_attention_heads=num_attention_heads,
            joint_attention_dim=text_dim, caption_projection_dim=width, pooled_projection_dim=text_dim,
            pos_embed_max_size=sample_size // patch_size,
        )
        tokens = self._tokenize(list(prompts))
        # derived from the config, so not saved: (P, T) token ids and attention masks of the prompt set
        self.register_buffer("prompt_ids", tokens.input_ids, persistent=False)
        self.register_buffer("prompt_mask", tokens.attention_mask, persistent=False)

    def _tokenize(self, prompts: list[str]):
        tokens = self.tokenizer(prompts, padding="max_length", truncation=True, return_tensors="pt")
        unknown = (tokens.input_ids == self.tokenizer.unk_token_id).any(dim=1)
        if unknown.any():
            bad = [p for p, u in zip(prompts, unknown.tolist()) if u]
            raise ValueError(f"prompt(s) with words outside the vocabulary: {bad[:3]}")
        return tokens

    def prompt_index(self, prompts: list[str]) -> torch.Tensor:
        """Indices of ``prompts`` in the model's prompt set (what ``forward`` takes as its condition)."""
        table = {p: i for i, p in enumerate(self.config.prompts)}
        missing = [p for p in prompts if p not in table]
        if missing:
            raise KeyError(f"prompt(s) not in the model's prompt set: {missing[:3]}")
        return torch.tensor([table[p] for p in prompts])

    def encode(self, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Any prompts of the vocabulary -> (token states (B, T, D), pooled state at <eos> (B, D))."""
        tokens = self._tokenize(prompts)
        return self._encode_tokens(tokens.input_ids.to(self.device), tokens.attention_mask.to(self.device))

    def _encode_tokens(self, input_ids: torch.Tensor, attention_mask: torch.Tensor):
        trainable = any(p.requires_grad for p in self.text_encoder.parameters())
        with torch.set_grad_enabled(trainable and torch.is_grad_enabled()):  # frozen encoder: no graph to keep
            out = self.text_encoder(input_ids=input_ids, attention_mask=attention_mask)
        return out.last_hidden_state, out.pooler_output

    def velocity_from_embeddings(self, x_sigma, sigma, prompt_embeds, pooled) -> torch.Tensor:
        """v(x_sigma, sigma, c) called the way diffusers' SD3 pipeline calls its transformer (timestep = 1000 sigma)."""
        return self.transformer(
            hidden_states=x_sigma, encoder_hidden_states=prompt_embeds, pooled_projections=pooled,
            timestep=sigma * 1000.0, return_dict=False,
        )[0]

    def forward(self, x_sigma: torch.Tensor, sigma: torch.Tensor, prompt_index: torch.Tensor) -> torch.Tensor:
        """Velocity: x_sigma (B, C, H, W), sigma (B,) in [0, 1], prompt_index (B,) into ``config.prompts``."""
        embeds, pooled = self._encode_tokens(self.prompt_ids[prompt_index], self.prompt_mask[prompt_index])
        return self.velocity_from_embeddings(x_sigma, sigma, embeds, pooled)  # (B, C, H, W)
