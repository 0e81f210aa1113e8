"""Qwen2.5-Omni's Thinker (the audio LLM CESAR trains) at toy size, its processor built here, and the loaders.

The model is transformers' own ``Qwen2_5OmniThinkerForConditionalGeneration`` (audio encoder + vision encoder +
Qwen2.5 text model with multimodal RoPE), randomly initialised from a small config. Nothing is downloaded: the
tokenizer is a byte-level BPE trained on the project's own corpus text, carrying every special token the Omni
processor and model look up (``<|AUDIO|>``, ``<|audio_bos|>``, ``<|audio_eos|>``, the vision ones, ``<|im_start|>``
/ ``<|im_end|>``); audio features are Whisper log-mels (128 bins, 16 kHz), as in the real checkpoint.

``paper`` profile: ``load_thinker("Qwen/Qwen2.5-Omni-7B")`` and ``load_processor("Qwen/Qwen2.5-Omni-7B")``; the
same two functions load the tiny checkpoints ``save_omni`` writes (tested in ``tests/test_models_omni.py``).

Quick start::

    processor = build_processor(corpus_texts, vocab_size=512, max_audio_seconds=4)
    model = build_thinker(processor, ThinkerSize(), seed=0)
    save_omni(model, processor, "data/cesar/base")
    model, processor = load_thinker("data/cesar/base"), load_processor("data/cesar/base")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    AutoTokenizer,
    PreTrainedTokenizerFast,
    Qwen2_5OmniForConditionalGeneration,
    Qwen2_5OmniProcessor,
    Qwen2_5OmniThinkerConfig,
    Qwen2_5OmniThinkerForConditionalGeneration,
    WhisperFeatureExtractor,
)
from transformers.processing_utils import ProcessorMixin

SAMPLE_RATE = 16_000
NUM_MEL_BINS = 128  # Qwen2.5-Omni's audio encoder reads 128-bin Whisper log-mels

# The names the Omni processor and tokenizer expose (tokenizer.audio_token, ...) and the strings of the real
# checkpoint's tokenizer_config.json, so prompts render the same way for the toy and the 7B model.
OMNI_SPECIAL_TOKENS = {
    "audio_token": "<|AUDIO|>",
    "audio_bos_token": "<|audio_bos|>",
    "audio_eos_token": "<|audio_eos|>",
    "image_token": "<|IMAGE|>",
    "video_token": "<|VIDEO|>",
    "vision_bos_token": "<|vision_bos|>",
    "vision_eos_token": "<|vision_eos|>",
}
PAD_TOKEN, CHAT_START, CHAT_END = "<|endoftext|>", "<|im_start|>", "<|im_end|>"
# CESAR's output format. Ordinary (non-special) added tokens: one token each, and kept by
# ``decode(skip_special_tokens=True)`` so the rewards see them, as with Qwen's tokenizer where they are plain text.
FORMAT_TOKENS = ("<think>", "</think>", "<answer>", "</answer>")

# Qwen's ChatML layout, reduced to text and audio parts; an audio part becomes <|audio_bos|><|AUDIO|><|audio_eos|>
# and the processor expands <|AUDIO|> to one token per audio frame of the encoder (25 per second).
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}"
    "{% if part['type'] == 'audio' %}<|audio_bos|><|AUDIO|><|audio_eos|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class OmniAudioProcessor(Qwen2_5OmniProcessor):
    """Qwen2.5-Omni's processor for audio and text only: the Whisper feature extractor and the tokenizer.

    Why a subclass: the stock processor requires an image and a video processor, and the video processor imports
    torchvision, which this project does not install; CESAR never feeds images or video. Everything else (audio
    feature extraction, expanding ``<|AUDIO|>`` to the encoder's frame count, chat templates, save/load) is the
    stock code. Passing images or videos raises.
    """

    def __init__(self, feature_extractor=None, tokenizer=None, chat_template=None):
        ProcessorMixin.__init__(self, feature_extractor, tokenizer, chat_template=chat_template)
        self.audio_token, self.audio_token_id = tokenizer.audio_token, tokenizer.audio_token_id
        self.audio_bos_token, self.audio_eos_token = tokenizer.audio_bos_token, tokenizer.audio_eos_token

    def __call__(self, text=None, images=None, videos=None, audio=None, **kwargs):
        if images is not None or videos is not None:
            raise ValueError("OmniAudioProcessor takes text and audio only; images and videos are not supported")
        return super().__call__(text=text, audio=audio, **kwargs)


def train_tokenizer(texts: list[str], vocab_size: int, format_tokens: bool = True) -> PreTrainedTokenizerFast:
    """A byte-level BPE (Qwen's tokenizer family) trained on ``texts``, with the Omni and format tokens.

    Byte-level: every string round-trips through encode/decode and nothing is unknown, so a test question with a
    number never seen in training still decodes exactly (the MMAU scorer compares words).
    ``format_tokens=False`` leaves the ``<think>``/``<answer>`` tags as plain text, spelled in several tokens as
    in Qwen's real vocabulary (used by the tests of code that must handle both).
    """
    if not texts:
        raise ValueError("train_tokenizer needs at least one text")
    specials = [PAD_TOKEN, CHAT_START, CHAT_END, *OMNI_SPECIAL_TOKENS.values()]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(sorted(texts), trainer=trainer)  # sorted: the result must not depend on input order
    if format_tokens:
        bpe.add_tokens([AddedToken(tag, normalized=False) for tag in FORMAT_TOKENS])
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token=CHAT_END,  # the assistant's turn ends with <|im_end|>, as in Qwen's generation_config
        pad_token=PAD_TOKEN,
        extra_special_tokens=dict(OMNI_SPECIAL_TOKENS),
        model_max_length=4096,
        padding_side="left",
        chat_template=CHAT_TEMPLATE,
    )


def build_processor(texts: list[str], vocab_size: int, max_audio_seconds: int) -> OmniAudioProcessor:
    """Whisper features padded to ``max_audio_seconds`` (the real checkpoint pads to 30 s) and a trained tokenizer."""
    features = WhisperFeatureExtractor(
        feature_size=NUM_MEL_BINS,
        sampling_rate=SAMPLE_RATE,
        chunk_length=max_audio_seconds,
        n_samples=max_audio_seconds * SAMPLE_RATE,
        nb_max_frames=max_audio_seconds * SAMPLE_RATE // 160,
    )
    return OmniAudioProcessor(features, train_tokenizer(texts, vocab_size), chat_template=CHAT_TEMPLATE)


@dataclass(frozen=True)
class ThinkerSize:
    """The toy Thinker's widths; the paper's 7B values in brackets."""

    hidden_size: int = 64  # [3584]
    num_layers: int = 2  # [28]
    num_heads: int = 4  # [28]
    num_kv_heads: int = 2  # [4]
    intermediate_size: int = 128  # [18944]
    audio_d_model: int = 64  # [1280]
    audio_layers: int = 2  # [32]
    audio_heads: int = 2  # [20]


def thinker_config(processor: OmniAudioProcessor, size: ThinkerSize) -> Qwen2_5OmniThinkerConfig:
    """A small ``Qwen2_5OmniThinkerConfig`` whose special-token ids point into ``processor``'s tokenizer."""
    tok = processor.tokenizer
    head_dim = size.hidden_size // size.num_heads
    # Multimodal RoPE splits each head's rotary half (head_dim / 2 frequencies) into temporal/height/width
    # sections; the 7B model uses [16, 24, 24] of 64. Same proportions here.
    half = head_dim // 2
    mrope = [half - 2 * (3 * half // 8), 3 * half // 8, 3 * half // 8]
    text = dict(
        vocab_size=len(tok), hidden_size=size.hidden_size, intermediate_size=size.intermediate_size,
        num_hidden_layers=size.num_layers, num_attention_heads=size.num_heads,
        num_key_value_heads=size.num_kv_heads, max_position_embeddings=2048, tie_word_embeddings=False,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": mrope},
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
    )
    audio = dict(
        num_mel_bins=NUM_MEL_BINS, encoder_layers=size.audio_layers, encoder_attention_heads=size.audio_heads,
        encoder_ffn_dim=2 * size.audio_d_model, d_model=size.audio_d_model, output_dim=size.hidden_size,
        max_source_positions=1500, n_window=50,
    )
    # The Thinker always builds its vision tower; CESAR never uses it, so it is as small as the config allows.
    vision = dict(
        depth=1, hidden_size=16, intermediate_size=16, num_heads=1, out_hidden_size=size.hidden_size,
        fullatt_block_indexes=[0],
    )
    ids = tok.convert_tokens_to_ids
    return Qwen2_5OmniThinkerConfig(
        text_config=text, audio_config=audio, vision_config=vision,
        audio_token_index=tok.audio_token_id, image_token_index=tok.image_token_id,
        video_token_index=tok.video_token_id,
        audio_start_token_id=ids(OMNI_SPECIAL_TOKENS["audio_bos_token"]),
        audio_end_token_id=ids(OMNI_SPECIAL_TOKENS["audio_eos_token"]),
        # get_rope_index reads these two; the real config.json carries them as extra keys too
        vision_start_token_id=ids(OMNI_SPECIAL_TOKENS["vision_bos_token"]),
        vision_end_token_id=ids(OMNI_SPECIAL_TOKENS["vision_eos_token"]),
        user_token_id=tok.encode("user", add_special_tokens=False)[0],
    )


def audio_tower(model) -> torch.nn.Module:
    """The Thinker's audio encoder (Whisper-style convolutions, positional embedding, transformer layers)."""
    return model.model.audio_tower if hasattr(model, "model") and hasattr(model.model, "audio_tower") else model.audio_tower


def init_audio_convolutions(model) -> None:
    """Kaiming-normal weights for the audio encoder's two input convolutions (the rest keeps transformers' init).

    transformers initialises them like every layer, normal with std 0.02: right for a checkpoint loaded over it,
    wrong for a model trained from scratch, where the convolutions' output then sits some 25x below the
    encoder's sinusoidal positional embedding that is added to it, and the audio content is drowned before the
    first layer. Measured on the testbed: a linear probe of the first event's identity from the encoder's output
    at initialisation reaches 11 % (chance 8 %) with the default and 96 % with Kaiming-normal convolutions (He et
    al. 2015, the initialisation for ReLU-like layers; the convolutions are followed by GELU).
    """
    tower = audio_tower(model)
    for conv in (tower.conv1, tower.conv2):
        torch.nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
        torch.nn.init.zeros_(conv.bias)


def build_thinker(processor: OmniAudioProcessor, size: ThinkerSize, seed: int) -> Qwen2_5OmniThinkerForConditionalGeneration:
    """A randomly initialised Thinker (weights drawn under ``torch.manual_seed(seed)``; see
    ``init_audio_convolutions`` for the one departure from transformers' initialisation)."""
    torch.manual_seed(seed)
    model = Qwen2_5OmniThinkerForConditionalGeneration(thinker_config(processor, size))
    init_audio_convolutions(model)
    tok = processor.tokenizer
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    return model


def save_omni(model, processor, path: str | Path) -> None:
    """``save_pretrained`` of both (safetensors weights, JSON configs, tokenizer.json, chat template)."""
    model.save_pretrained(path)
    processor.save_pretrained(path)


def _is_full_omni(name_or_path: str) -> bool:
    config = Path(name_or_path) / "config.json"
    if config.is_file():
        return json.loads(config.read_text()).get("model_type") == "qwen2_5_omni"
    return name_or_path.startswith("Qwen/Qwen2.5-Omni")  # hub ids: the published repos hold the full Omni model


def load_thinker(name_or_path: str, dtype: torch.dtype | str = "auto") -> Qwen2_5OmniThinkerForConditionalGeneration:
    """The Thinker from a Thinker checkpoint (``save_omni``) or from a full Qwen2.5-Omni checkpoint (hub id).

    The published ``Qwen/Qwen2.5-Omni-7B`` repository stores the whole model (Thinker, Talker, Token2Wav) under one
    ``qwen2_5_omni`` config; the Thinker is taken from it and the speech-output parts are dropped.
    """
    if _is_full_omni(name_or_path):
        omni = Qwen2_5OmniForConditionalGeneration.from_pretrained(name_or_path, dtype=dtype)
        omni.disable_talker()
        return omni.thinker
    return Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(name_or_path, dtype=dtype)


def load_processor(name_or_path: str) -> OmniAudioProcessor:
    """The audio+text processor from a local checkpoint or the hub repository (same file layout).

    The feature extractor and tokenizer are read from their own files (``preprocessor_config.json``,
    ``tokenizer.json`` / ``tokenizer_config.json``), which the real repository holds beside its image-processor
    settings. The chat template is always ``CHAT_TEMPLATE`` (Qwen's ChatML with audio parts, without the real
    template's default system prompt, which CESAR's prompts supply themselves when wanted), so the toy and the 7B
    model see prompts laid out the same way.
    """
    features = WhisperFeatureExtractor.from_pretrained(name_or_path)
    tokenizer = AutoTokenizer.from_pretrained(name_or_path, padding_side="left")
    return OmniAudioProcessor(features, tokenizer, chat_template=CHAT_TEMPLATE)
