"""The papers' architectures at their published sizes, with random weights, and tiny stand-ins of the same classes.

Nothing is downloaded: the configurations are written here from the public ``config.json`` files of the
checkpoints the paper profile would load (the numbers are facts of those architectures; the parameter counts
they give are checked against the published totals in ``tests/test_bench_paper_scale.py``):

- SD3-medium's MMDiT (ADRPO's generator): ``stabilityai/stable-diffusion-3-medium-diffusers``,
  ``transformer/config.json``; 2,028,328,000 parameters ("2B").
- Qwen2-0.5B (ADRPO's first LLM): ``Qwen/Qwen2-0.5B-Instruct``, ``config.json``; 494,032,768 ("0.49B").
- Qwen3-0.6B (ADRPO's second LLM): ``Qwen/Qwen3-0.6B``, ``config.json``; 596,049,920 ("0.6B").
- Qwen2.5-Omni's Thinker (CESAR's policy): ``thinker_config`` of ``Qwen/Qwen2.5-Omni-7B`` (8.93B with its
  audio and vision towers) and of ``Qwen/Qwen2.5-Omni-3B`` (4.70B).

Each spec also has a ``tiny`` twin (same classes, widths of a few dozen) for the CPU test of the same code path.
The Omni Thinker's special-token ids come from the processor built locally (``replication.models.omni``), the
vocabulary size from the published model, so embedding and LM-head costs are the real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from diffusers import SD3Transformer2DModel
from transformers import (
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Qwen2_5OmniThinkerConfig,
    Qwen2_5OmniThinkerForConditionalGeneration,
    Qwen2Config,
    Qwen2ForCausalLM,
    Qwen3Config,
    Qwen3ForCausalLM,
)

from replication.models.omni import NUM_MEL_BINS, OMNI_SPECIAL_TOKENS, OmniAudioProcessor

GIB = 2**30


@dataclass(frozen=True)
class FlowSpec:
    """An SD3 transformer and the shapes of one training sample at a resolution."""

    name: str
    transformer: dict  # SD3Transformer2DModel(**transformer)
    latent_shape: tuple[int, int, int]  # (C, H, W) = (in_channels, resolution / 8, resolution / 8)
    text_tokens: int  # joint-attention tokens per prompt
    published_params: int | None = None


# 512 px through SD3's VAE (scale factor 8) -> 64 x 64 latents with 16 channels. Text: 77 CLIP tokens (CLIP-L and
# CLIP-G side by side, 768 + 1280 = 2048 wide, zero-padded to 4096) followed by 256 T5-XXL tokens (4096 wide; 256
# is the pipeline's and ``sd3_paper.encode_prompts``' max_sequence_length) -> 333 x 4096; pooled: 768 + 1280.
SD3_MEDIUM_512 = FlowSpec(
    name="SD3-medium MMDiT",
    transformer=dict(sample_size=128, patch_size=2, in_channels=16, out_channels=16, num_layers=24,
                     attention_head_dim=64, num_attention_heads=24, joint_attention_dim=4096,
                     caption_projection_dim=1536, pooled_projection_dim=2048, pos_embed_max_size=192),
    latent_shape=(16, 64, 64), text_tokens=77 + 256, published_params=2_028_328_000,
)
SD3_TINY = FlowSpec(
    name="tiny MMDiT",
    transformer=dict(sample_size=8, patch_size=2, in_channels=4, out_channels=4, num_layers=1, attention_head_dim=8,
                     num_attention_heads=2, joint_attention_dim=16, caption_projection_dim=16,
                     pooled_projection_dim=8, pos_embed_max_size=8),
    latent_shape=(4, 8, 8), text_tokens=6,
)


@dataclass(frozen=True)
class LMSpec:
    """A Qwen2 / Qwen3 causal LM; ``vocab_size=None`` takes the tokenizer's size (tiny twins only)."""

    name: str
    architecture: str  # "qwen2" | "qwen3"
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    vocab_size: int | None
    max_position_embeddings: int
    rope_theta: float = 1_000_000.0
    tie_word_embeddings: bool = True
    published_params: int | None = None


QWEN2_0_5B = LMSpec("Qwen2-0.5B", "qwen2", hidden_size=896, intermediate_size=4864, num_layers=24, num_heads=14,
                    num_kv_heads=2, head_dim=64, vocab_size=151_936, max_position_embeddings=32_768,
                    published_params=494_032_768)
# Qwen3's head_dim (128) is not hidden_size / num_heads (64): the config says so explicitly.
QWEN3_0_6B = LMSpec("Qwen3-0.6B", "qwen3", hidden_size=1024, intermediate_size=3072, num_layers=28, num_heads=16,
                    num_kv_heads=8, head_dim=128, vocab_size=151_936, max_position_embeddings=40_960,
                    published_params=596_049_920)


def tiny_lm_spec(spec: LMSpec) -> LMSpec:
    return LMSpec(f"tiny {spec.architecture}", spec.architecture, hidden_size=32, intermediate_size=64, num_layers=2,
                  num_heads=4, num_kv_heads=2, head_dim=8, vocab_size=None, max_position_embeddings=256)


@dataclass(frozen=True)
class OmniSpec:
    """Qwen2.5-Omni's Thinker: the text model, the Whisper-style audio tower and the (unused) vision tower."""

    name: str
    text: dict  # Qwen2_5OmniTextConfig fields; vocab_size None = the tokenizer's size
    audio: dict  # Qwen2_5OmniAudioEncoderConfig fields (output_dim is set to the text width)
    vision: dict  # Qwen2_5OmniVisionEncoderConfig fields (out_hidden_size is set to the text width)
    published_params: int | None = None
    mrope_section: tuple[int, int, int] = (16, 24, 24)  # of head_dim / 2 = 64 rotary frequencies
    rope_theta: float = 1_000_000.0


_OMNI_AUDIO = dict(d_model=1280, encoder_layers=32, encoder_attention_heads=20, encoder_ffn_dim=5120,
                   max_source_positions=1500, n_window=100)  # Whisper-large-v3's encoder, as in both checkpoints
_OMNI_VISION = dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, patch_size=14,
                    spatial_merge_size=2, temporal_patch_size=2, window_size=112, fullatt_block_indexes=[7, 15, 23, 31])
OMNI_7B = OmniSpec(
    name="Qwen2.5-Omni-7B Thinker",
    text=dict(vocab_size=152_064, hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
              num_attention_heads=28, num_key_value_heads=4, max_position_embeddings=32_768,
              tie_word_embeddings=False),
    audio=_OMNI_AUDIO, vision=_OMNI_VISION, published_params=8_931_813_888,
)
# The 3B's LM head: untied here (as the 7B); the 3B checkpoint's setting could not be read offline, and the
# untied count (4.70B, the "5B" its Thinker-only re-uploads list) is the conservative side for memory.
OMNI_3B = OmniSpec(
    name="Qwen2.5-Omni-3B Thinker",
    text=dict(vocab_size=151_936, hidden_size=2048, intermediate_size=11008, num_hidden_layers=36,
              num_attention_heads=16, num_key_value_heads=2, max_position_embeddings=32_768,
              tie_word_embeddings=False),
    audio=_OMNI_AUDIO, vision=_OMNI_VISION, published_params=4_703_464_448,
)
OMNI_TINY = OmniSpec(
    name="tiny Thinker",
    text=dict(vocab_size=None, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=2048, tie_word_embeddings=False),
    audio=dict(d_model=32, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=64, max_source_positions=1500,
               n_window=50),
    vision=dict(depth=1, hidden_size=16, intermediate_size=16, num_heads=1, fullatt_block_indexes=[0]),
    mrope_section=(2, 1, 1),  # head_dim 8 -> 4 rotary frequencies, in the 7B's proportions
    rope_theta=10_000.0,
)


# ---- builders ------------------------------------------------------------------------------------------------


def build_on(device: torch.device, seed: int, build: Callable[[], torch.nn.Module]) -> torch.nn.Module:
    """``build()`` with its random initialisation drawn directly on ``device`` under ``torch.manual_seed(seed)``.

    A labelled exception to the project's rule of CPU-drawn randomness: initialising billions of weights on the
    CPU takes minutes of the check's budget. The same seed gives the same weights on the same device, which is
    all the determinism check needs (both runs start from the one model built here).
    """
    cuda = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda), device:
        torch.manual_seed(seed)
        module = build()
    return module.to(device)  # buffers some constructors make on the CPU (from NumPy) follow the parameters


def sd3_transformer(spec: FlowSpec) -> SD3Transformer2DModel:
    return SD3Transformer2DModel(**spec.transformer)


def lm_config(spec: LMSpec, tokenizer: PreTrainedTokenizerBase) -> Qwen2Config | Qwen3Config:
    common = dict(
        vocab_size=spec.vocab_size or len(tokenizer), hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size, num_hidden_layers=spec.num_layers,
        num_attention_heads=spec.num_heads, num_key_value_heads=spec.num_kv_heads,
        max_position_embeddings=spec.max_position_embeddings, tie_word_embeddings=spec.tie_word_embeddings,
        rms_norm_eps=1e-6, rope_parameters={"rope_type": "default", "rope_theta": spec.rope_theta},
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id, bos_token_id=tokenizer.eos_token_id,
    )
    if spec.architecture == "qwen2":
        if spec.head_dim != spec.hidden_size // spec.num_heads:
            raise ValueError(f"{spec.name}: Qwen2 derives head_dim = hidden_size / num_heads; got {spec.head_dim}")
        return Qwen2Config(**common)
    if spec.architecture == "qwen3":
        return Qwen3Config(head_dim=spec.head_dim, **common)
    raise ValueError(f"architecture {spec.architecture!r} is not supported; allowed: qwen2, qwen3")


def causal_lm(spec: LMSpec, tokenizer: PreTrainedTokenizerBase) -> PreTrainedModel:
    config = lm_config(spec, tokenizer)
    model = (Qwen2ForCausalLM if spec.architecture == "qwen2" else Qwen3ForCausalLM)(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    return model


def thinker_config(spec: OmniSpec, processor: OmniAudioProcessor) -> Qwen2_5OmniThinkerConfig:
    """The Thinker's config at ``spec``'s widths, its special-token ids pointing into ``processor``'s tokenizer
    (the same wiring as ``replication.models.omni.thinker_config``, which builds the toy sizes)."""
    tok = processor.tokenizer
    width = spec.text["hidden_size"]
    head_dim = width // spec.text["num_attention_heads"]
    if 2 * sum(spec.mrope_section) != head_dim:
        raise ValueError(f"{spec.name}: mrope_section {spec.mrope_section} must sum to head_dim / 2 = {head_dim // 2}")
    text = {**spec.text, "vocab_size": spec.text["vocab_size"] or len(tok), "pad_token_id": tok.pad_token_id,
            "eos_token_id": tok.eos_token_id, "rms_norm_eps": 1e-6,
            "rope_parameters": {"rope_type": "default", "rope_theta": spec.rope_theta,
                                "mrope_section": list(spec.mrope_section)}}
    ids = tok.convert_tokens_to_ids
    return Qwen2_5OmniThinkerConfig(
        text_config=text, audio_config={**spec.audio, "num_mel_bins": NUM_MEL_BINS, "output_dim": width},
        vision_config={**spec.vision, "out_hidden_size": width},
        audio_token_index=tok.audio_token_id, image_token_index=tok.image_token_id,
        video_token_index=tok.video_token_id,
        audio_start_token_id=ids(OMNI_SPECIAL_TOKENS["audio_bos_token"]),
        audio_end_token_id=ids(OMNI_SPECIAL_TOKENS["audio_eos_token"]),
        vision_start_token_id=ids(OMNI_SPECIAL_TOKENS["vision_bos_token"]),
        vision_end_token_id=ids(OMNI_SPECIAL_TOKENS["vision_eos_token"]),
        user_token_id=tok.encode("user", add_special_tokens=False)[0],
    )


def thinker(spec: OmniSpec, processor: OmniAudioProcessor) -> Qwen2_5OmniThinkerForConditionalGeneration:
    model = Qwen2_5OmniThinkerForConditionalGeneration(thinker_config(spec, processor))
    model.generation_config.eos_token_id = processor.tokenizer.eos_token_id
    model.generation_config.pad_token_id = processor.tokenizer.pad_token_id
    return model


def parameter_count(module: torch.nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


# ---- will it fit? ----------------------------------------------------------------------------------------------


def full_finetune_bytes(n_params: int, n_trained: int, reference: bool = True) -> int:
    """Model-state bytes of full fine-tuning with fp32 weights and AdamW (the project's precision scheme: bf16
    only through autocast):

        bytes = 4 N (policy weights) + (4 + 8) N_trained (gradients; AdamW's two moments) + 4 N (reference)

    ``N_trained`` counts the parameters that receive gradients (AdamW allocates no state for the others). The
    reference is TRL's frozen copy for the KL term, loaded in the policy's dtype. Activations, the generation KV
    cache and the CUDA context come on top.
    """
    if not 0 <= n_trained <= n_params:
        raise ValueError(f"n_trained must be in [0, n_params], got {n_trained} of {n_params}")
    return 4 * n_params + 12 * n_trained + (4 * n_params if reference else 0)


@dataclass(frozen=True)
class FitEstimate:
    spec: OmniSpec
    n_params: int
    n_trained: int
    state_bytes: int
    capacity_bytes: int
    fits: bool
    lines: list[str] = field(default_factory=list)


# Model states may take at most this share of the GPU: the rest holds activations (recomputed under activation
# checkpointing), the KV cache of 64 completions and the allocator's slack.
MAX_STATE_SHARE = 0.75


def omni_fit(spec: OmniSpec, processor: OmniAudioProcessor, capacity_bytes: int) -> FitEstimate:
    """Whether ``spec``'s Thinker can be fully fine-tuned with AdamW on a GPU of ``capacity_bytes``.

    Counts come from the config built on the meta device (no memory). The vision tower is not trained: CESAR
    feeds no images, so it gets no gradient and no optimiser state.
    """
    with torch.device("meta"):
        model = thinker(spec, processor)
    n_params = parameter_count(model)
    n_trained = n_params - parameter_count(model.model.visual)
    state = full_finetune_bytes(n_params, n_trained)
    fits = state <= MAX_STATE_SHARE * capacity_bytes
    lines = [
        f"{spec.name}: N = {n_params / 1e9:.2f}B parameters, {n_trained / 1e9:.2f}B trained (all but the vision tower)",
        f"  4 N + 12 N_trained + 4 N (fp32 policy, gradients + AdamW moments, fp32 reference) = "
        f"{state / GIB:.1f} GiB of model states vs {MAX_STATE_SHARE:.0%} of {capacity_bytes / GIB:.0f} GiB "
        f"= {MAX_STATE_SHARE * capacity_bytes / GIB:.0f} GiB: {'fits' if fits else 'does not fit'}",
    ]
    return FitEstimate(spec, n_params, n_trained, state, capacity_bytes, fits, lines)


def choose_omni(processor: OmniAudioProcessor, capacity_bytes: int) -> tuple[OmniSpec, list[str]]:
    """The 7B Thinker when its full fine-tuning fits the GPU, else the 3B one; with the arithmetic behind it."""
    seven = omni_fit(OMNI_7B, processor, capacity_bytes)
    if seven.fits:
        return OMNI_7B, seven.lines
    three = omni_fit(OMNI_3B, processor, capacity_bytes)
    if not three.fits:
        raise RuntimeError("neither Omni Thinker fits this GPU:\n" + "\n".join(seven.lines + three.lines))
    return OMNI_3B, seven.lines + three.lines + ["  -> the check runs the 3B Thinker"]
