"""Test-time scaling by budget forcing: the thinking is capped at L tokens, then the answer is forced.

CESAR (PAPERS.md section 1) measures accuracy while the reasoning length is capped at L in {0, 25, ..., 250} and
plots it against the reasoning tokens actually used. Budget forcing (Muennighoff et al. 2025, "s1") does the cap:

1. the completion is opened with ``<think>`` and the model writes at most L tokens; it may close the thinking
   earlier itself (``</think>``, or any other tag or end-of-turn, which also ends the thinking here);
2. ``</think><answer>`` is then forced after the thinking tokens, whatever the model wrote, and the model writes
   the answer (at most ``answer_tokens`` tokens, until ``</answer>`` or end-of-turn).

L = 0 is the no-reasoning mode: the completion starts as ``<think></think><answer>`` (an empty thinking), which is
how the thinking is switched off for a model trained on the ``<think>…</think><answer>…</answer>`` format.
The reasoning tokens reported are the thinking tokens kept, so never more than L.
Decoding is greedy, so a rerun gives the same completions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE = "<think>", "</think>", "<answer>", "</answer>"


@dataclass(frozen=True)
class BudgetedCompletion:
    text: str
    """The whole completion, ``<think> t </think><answer> y </answer>``, as the rewards and scorer read it."""
    answer: str
    """The text between the answer tags: the prediction the MMAU scorer reads."""
    reasoning_tokens: int
    """Thinking tokens kept (<= the budget L)."""


def cut_at_stop(token_ids: Sequence[int], stop_ids: Sequence[int], limit: int) -> list[int]:
    """The tokens before the first stop token, at most ``limit`` of them (padding after a stop is dropped too).

    >>> cut_at_stop([5, 6, 2, 7], stop_ids=[2], limit=10)
    [5, 6]
    >>> cut_at_stop([5, 6, 7], stop_ids=[2], limit=2)
    [5, 6]
    """
    kept = []
    for token in list(token_ids)[:limit]:
        if token in stop_ids:
            break
        kept.append(int(token))
    return kept


def _left_pad(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(row) for row in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)  # (B, T)
    mask = torch.zeros((len(rows), width), dtype=torch.long)  # (B, T)
    for i, row in enumerate(rows):
        ids[i, width - len(row):] = torch.tensor(row, dtype=torch.long)
        mask[i, width - len(row):] = 1
    return ids, mask


def trim_tag_text(tokens: Sequence[int], decode, tags: Sequence[str]) -> list[int]:
    """The tokens before the first one that spells out a tag, minus any partial tag left at the end.

    For tokenizers where the tags are not single tokens (Qwen's vocabulary spells ``</think>`` in pieces):
    ``decode`` maps token ids to text. ``[..., "</", "think", ">"]`` keeps what comes before ``"</"``.
    """
    tokens = list(tokens)
    kept = tokens
    for k in range(1, len(tokens) + 1):
        if any(tag in decode(tokens[:k]) for tag in tags):
            kept = tokens[: k - 1]
            break
    while kept:  # a tag begun but not finished at the cut ("...</thi")
        text = decode(kept)
        start = text.rfind("<")
        if start >= 0 and any(tag.startswith(text[start:]) for tag in tags):
            kept = kept[:-1]
        else:
            break
    return kept


@torch.no_grad()
def _continue(model, tok, rows, audio, max_new_tokens, stop_ids, stop_tags, suppress):
    """Greedy continuation of each token row (audio features alongside); new tokens per row, cut at a stop.

    ``stop_ids``: single-token stops (end of turn, tags that are one token); ``stop_tags``: tags spelled in
    several tokens, stopped on with ``generate(stop_strings=...)`` and trimmed off by ``trim_tag_text``.
    """
    if max_new_tokens == 0:
        return [[] for _ in rows]
    ids, mask = (t.to(model.device) for t in _left_pad(rows, tok.pad_token_id))
    strings = {"stop_strings": list(stop_tags), "tokenizer": tok} if stop_tags else {}
    out = model.generate(
        input_ids=ids, attention_mask=mask, **audio, max_new_tokens=max_new_tokens, do_sample=False,
        eos_token_id=list(stop_ids), pad_token_id=tok.pad_token_id, suppress_tokens=suppress, **strings,
    )
    new = [cut_at_stop(row.tolist(), stop_ids, max_new_tokens) for row in out[:, ids.size(1):]]  # (B, <= max)
    if stop_tags:
        new = [trim_tag_text(row, lambda t: tok.decode(t, skip_special_tokens=True), stop_tags) for row in new]
    return new


def budget_forced_generate(model, processor, prompts: Sequence[list[dict]], audios: Sequence[np.ndarray],
                           budget: int, answer_tokens: int, batch_size: int = 16) -> list[BudgetedCompletion]:
    """Completions of ``prompts`` (chat messages with an audio part) with the thinking capped at ``budget``.

    Works with the toy tokenizer (tags are single tokens) and with Qwen's (tags spelled in several tokens).
    """
    if budget < 0 or answer_tokens < 1:
        raise ValueError(f"budget must be >= 0 and answer_tokens >= 1, got {budget}, {answer_tokens}")
    if len(prompts) != len(audios):
        raise ValueError(f"{len(prompts)} prompts but {len(audios)} audio clips")
    tok = processor.tokenizer
    tags = (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)
    tag_ids = {t: tok.encode(t, add_special_tokens=False) for t in tags}
    single = {t: ids[0] for t, ids in tag_ids.items() if len(ids) == 1}
    spelled = [t for t in tags if t not in single]
    end_ids = {tok.eos_token_id, tok.pad_token_id}
    think_stops = sorted(end_ids | set(single.values()))  # any tag or end of turn ends the thinking
    answer_stops = sorted(end_ids | set(single.values()))
    opening = tag_ids[THINK_OPEN]
    closing = tok.encode(THINK_CLOSE + ANSWER_OPEN, add_special_tokens=False)  # the forced "</think><answer>"
    suppress = [tok.audio_token_id]  # a sampled <|AUDIO|> would have no audio features behind it
    model.eval()
    results: list[BudgetedCompletion] = []
    for start in range(0, len(prompts), batch_size):
        batch_prompts = list(prompts[start:start + batch_size])
        texts = processor.apply_chat_template(batch_prompts, add_generation_prompt=True, tokenize=False)
        enc = processor(text=texts, audio=list(audios[start:start + batch_size]), padding=True, return_tensors="pt")
        audio = {"input_features": enc["input_features"].to(model.device, model.dtype),
                 "feature_attention_mask": enc["feature_attention_mask"].to(model.device)}
        prompt_rows = [ids[m.bool()].tolist() for ids, m in zip(enc["input_ids"], enc["attention_mask"])]
        opened = [row + opening for row in prompt_rows]
        thinking = _continue(model, tok, opened, audio, budget, think_stops, spelled, suppress)
        forced = [row + think + closing for row, think in zip(opened, thinking)]
        answers = _continue(model, tok, forced, audio, answer_tokens, answer_stops, spelled, suppress)
        for think, answer in zip(thinking, answers):
            think_text = tok.decode(think, skip_special_tokens=True)
            answer_text = tok.decode(answer, skip_special_tokens=True)
            text = f"{THINK_OPEN}{think_text}{THINK_CLOSE}{ANSWER_OPEN}{answer_text}{ANSWER_CLOSE}"
            results.append(BudgetedCompletion(text=text, answer=answer_text.strip(), reasoning_tokens=len(think)))
    return results
