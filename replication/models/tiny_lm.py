"""Small causal language models for the ADRPO experiment: a local character tokenizer, random-init Qwen2/Qwen3.

Nothing comes from a hub on the tiny/smoke profiles: the tokenizer is built here with the ``tokenizers`` library
(one token per character of ``CHARACTERS``) and the models are transformers' own ``Qwen2ForCausalLM`` /
``Qwen3ForCausalLM`` classes with small configs. The ``paper`` profile loads the real checkpoints
(``Qwen/Qwen2-0.5B-Instruct``, ``Qwen/Qwen3-0.6B``) through ``load_pretrained_lm``, the same function the tests use
on tiny checkpoints saved locally with ``save_pretrained``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    Qwen3Config,
    Qwen3ForCausalLM,
)

PAD, EOS, UNK = "<pad>", "<eos>", "<unk>"
# Digits and the separators of the digit-sum prompts ("17/4="); space and a few letters so other generated
# tasks can reuse the tokenizer without a new vocabulary.
CHARACTERS = "0123456789/=+-*:, abcdefghijklmnopqrstuvwxyz"
ARCHITECTURES = ("qwen2", "qwen3")
PAPER_CHECKPOINTS = {"qwen2": "Qwen/Qwen2-0.5B-Instruct", "qwen3": "Qwen/Qwen3-0.6B"}


def build_char_tokenizer(characters: str = CHARACTERS) -> PreTrainedTokenizerFast:
    """A character-level ``PreTrainedTokenizerFast``: ids 0-2 are <pad>, <eos>, <unk>, then one id per character."""
    if len(set(characters)) != len(characters):
        raise ValueError("characters must not repeat")
    vocab = {PAD: 0, EOS: 1, UNK: 2} | {char: i + 3 for i, char in enumerate(characters)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    # every character is its own pre-token, so WordLevel maps characters one to one
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()  # join characters back without the spaces WordLevel would insert
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token=PAD, eos_token=EOS, unk_token=UNK, padding_side="left"
    )
    tokenizer.add_special_tokens({"pad_token": PAD, "eos_token": EOS, "unk_token": UNK})
    return tokenizer


def _token_ids(tokenizer: PreTrainedTokenizerBase) -> dict[str, int]:
    return {
        "vocab_size": len(tokenizer),
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "bos_token_id": tokenizer.eos_token_id,  # no BOS in the character vocabulary; config wants an id
    }


def tiny_qwen(
    architecture: str,
    tokenizer: PreTrainedTokenizerBase,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    num_kv_heads: int = 1,
    intermediate_size: int = 64,
    max_positions: int = 64,
    seed: int = 0,
) -> PreTrainedModel:
    """A randomly initialised ``Qwen2ForCausalLM`` or ``Qwen3ForCausalLM`` with a small config.

    Weights are drawn from a generator seeded with ``seed`` (the global RNG is restored afterwards), so the same
    seed gives the same model whatever ran before.
    """
    common = dict(
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        num_key_value_heads=num_kv_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        **_token_ids(tokenizer),
    )
    if architecture == "qwen2":
        config, model_class = Qwen2Config(**common), Qwen2ForCausalLM
    elif architecture == "qwen3":
        config = Qwen3Config(head_dim=hidden_size // num_heads, **common)
        model_class = Qwen3ForCausalLM
    else:
        raise ValueError(f"architecture {architecture!r} is not supported; allowed: {', '.join(ARCHITECTURES)}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_class(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    return model


def save_lm(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, directory: str | Path) -> Path:
    """Save model (safetensors) and tokenizer side by side, the layout ``load_pretrained_lm`` reads."""
    directory = Path(directory)
    model.save_pretrained(directory, safe_serialization=True)
    tokenizer.save_pretrained(directory)
    return directory


def load_pretrained_lm(
    name_or_path: str | Path, dtype: torch.dtype = torch.float32
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal LM and its tokenizer: a hub id (paper profile) or a local ``save_lm`` folder (tiny profile).

    Left padding, because GRPO generates from batched prompts; a missing pad token falls back to EOS (the Qwen
    tokenizers define one, this is for other checkpoints).
    """
    tokenizer = AutoTokenizer.from_pretrained(str(name_or_path), padding_side="left")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(str(name_or_path), dtype=dtype)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def paper_checkpoint(architecture: str) -> str:
    """The hub id the paper profile fine-tunes for ``architecture`` ("qwen2" or "qwen3")."""
    if architecture not in PAPER_CHECKPOINTS:
        raise ValueError(f"architecture {architecture!r} is not supported; allowed: {', '.join(ARCHITECTURES)}")
    return PAPER_CHECKPOINTS[architecture]
