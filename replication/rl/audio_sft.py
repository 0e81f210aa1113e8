"""Supervised warm-up of the audio LLM on templated reasoning traces, with TRL's ``SFTTrainer``.

CESAR starts GRPO from a model that already answers in ``<think> t </think><answer> y </answer>``; our randomly
initialised Thinker knows neither the format nor how to hear, so an SFT stage teaches both from the corpus's
reasoning traces (the events heard, the derivation, the conclusion), loss on the completion tokens only.

TRL reaches this far without a subclass: ``SFTTrainer`` accepts a custom collator and, with
``dataset_kwargs={"skip_prepare_dataset": True}`` and ``remove_unused_columns=False``, hands the collator the raw
rows and forwards every key it returns to the model. What TRL lacks is the audio: its collators prepare images
only. ``AudioSFTCollator`` is that missing piece: it renders each prompt with the chat template, runs the Omni
processor on prompt text + audio (Whisper features, ``<|AUDIO|>`` expanded to the encoder's frame count), appends
the completion's tokens and the end-of-turn token, and masks the prompt out of the labels. The completion is
tokenized in the three pieces generation produces, ``<think>`` + thinking, ``</think><answer>``, `` y </answer>``,
so SFT and budget forcing see the same tokens. A row whose thinking was closed *by force* (``forced``: cut short,
or empty) keeps its ``</think><answer>`` out of the labels: the model learns to answer after a forced close, as
budget forcing asks it to, but not to close its own thinking early or to skip it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from trl import SFTConfig, SFTTrainer

from replication.rl.audio_grpo import AUDIO_COLUMN, AUDIO_KEYS, load_audio
from replication.rl.hf_trainer import fit_logprob_tiles, quiet

IGNORE_INDEX = -100  # positions the cross-entropy skips (transformers' convention)


THINK_CLOSE_ANSWER_OPEN = "</think><answer>"


def sft_think(reasoning: str) -> str:
    """The thinking as a finished trace writes it between the tags: `` t `` (empty stays empty)."""
    return f" {reasoning} " if reasoning else ""


def sft_completion(reasoning: str, answer: str) -> str:
    """The target text: ``<think> t </think><answer> y </answer>`` (CESAR's output format).

    An empty ``reasoning`` gives ``<think></think><answer> y </answer>``: the same tokens budget forcing puts
    before the answer at L = 0, so the no-reasoning mode is trained exactly as it is evaluated.
    """
    return f"<think>{sft_think(reasoning)}{THINK_CLOSE_ANSWER_OPEN} {answer} </answer>"


def completion_pieces(tokenizer, think: str, answer: str, forced: bool) -> tuple[list[int], list[bool]]:
    """Token ids of ``<think>{think}</think><answer> {answer} </answer>`` + end of turn, and which are targets.

    ``think`` goes in verbatim (a cut trace ends where it was cut, with no space added); ``forced`` leaves the
    ``</think><answer>`` tokens out of the targets.
    """
    encode = lambda text: tokenizer.encode(text, add_special_tokens=False)  # noqa: E731
    head, close = encode("<think>" + think), encode(THINK_CLOSE_ANSWER_OPEN)
    tail = encode(f" {answer} </answer>") + [tokenizer.eos_token_id]
    return head + close + tail, [True] * len(head) + [not forced] * len(close) + [True] * len(tail)


@dataclass
class AudioSFTCollator:
    """Rows ``{"prompt": chat messages, "think": str, "answer": str, "forced": bool, "audio": path or waveform}``
    -> a model batch (``completion_pieces`` builds the completion).

    Returns ``input_ids``, ``attention_mask``, ``labels`` (prompt, padding and forced tags set to -100)
    right-padded to the longest row, and the Whisper ``input_features`` / ``feature_attention_mask``.
    """

    processor: Any
    max_length: int

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        tok = self.processor.tokenizer
        texts = self.processor.apply_chat_template([r["prompt"] for r in rows], add_generation_prompt=True,
                                                   tokenize=False)
        audio = [load_audio(r[AUDIO_COLUMN]) for r in rows]
        enc = self.processor(text=texts, audio=audio, padding=True, return_tensors="pt")
        sequences, targets = [], []
        for ids, mask, row in zip(enc["input_ids"], enc["attention_mask"], rows):
            prompt = ids[mask.bool()].tolist()
            completion, trained = completion_pieces(tok, row["think"], row["answer"], row["forced"])
            sequence = (prompt + completion)[: self.max_length]
            if len(sequence) <= len(prompt):
                raise ValueError(f"max_length {self.max_length} leaves no completion token after a "
                                 f"{len(prompt)}-token prompt (audio tokens included); raise max_length")
            sequences.append(sequence)
            targets.append(([False] * len(prompt) + trained)[: len(sequence)])
        width = max(len(s) for s in sequences)
        input_ids = torch.full((len(rows), width), tok.pad_token_id, dtype=torch.long)  # (B, T)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)  # (B, T)
        labels = torch.full((len(rows), width), IGNORE_INDEX, dtype=torch.long)  # (B, T)
        for i, (sequence, trained) in enumerate(zip(sequences, targets)):
            row = torch.tensor(sequence)
            input_ids[i, : len(sequence)] = row
            attention_mask[i, : len(sequence)] = 1
            labels[i, : len(sequence)] = row.masked_fill(~torch.tensor(trained), IGNORE_INDEX)
        batch = {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
        batch.update({key: enc[key] for key in AUDIO_KEYS})
        return batch


def audio_sft_trainer(model, processor, dataset, args: SFTConfig, max_length: int) -> SFTTrainer:
    """TRL's ``SFTTrainer`` with the audio collator; refuses options that would bypass it."""
    if args.packing or args.padding_free:
        raise ValueError("audio SFT does not support packing or padding_free (each row carries its own audio)")
    if args.remove_unused_columns:
        raise ValueError("set remove_unused_columns=False: the collator needs the prompt, think, answer, forced and "
                         "audio columns")
    if not (args.dataset_kwargs or {}).get("skip_prepare_dataset"):
        raise ValueError('set dataset_kwargs={"skip_prepare_dataset": True}: the collator tokenizes the raw rows')
    fit_logprob_tiles(len(processor.tokenizer))
    return quiet(SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=processor,
                            data_collator=AudioSFTCollator(processor, max_length)), desc="SFT")
