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

One thinking pass serves every budget (``budget_forced_curve``): the thinking under a cap L is the first L tokens
of the thinking under the largest cap, since a token never depends on the cap (greedy: the same tokens; sampled:
the same distribution, and every budget of an item then reads the *same* sample, a paired design across L). The
thinking is greedy (``temperature = 0``) or sampled at ``temperature`` from torch's global generator (seeded by
the stage: a rerun gives the same completions); the forced answer is always greedy, and is decoded once per
distinct kept thinking (an item whose thinking ended before L answers the same at every larger L).
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


def _sampling(temperature: float) -> dict:
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0: greedy), got {temperature}")
    if temperature == 0:
        return {"do_sample": False}
    return {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0}  # the full distribution


@torch.no_grad()
def _continue(model, tok, rows, audio, max_new_tokens, stop_ids, stop_tags, suppress, temperature=0.0):
    """Continuation of each token row (audio features alongside); new tokens per row, cut at a stop.

    ``stop_ids``: single-token stops (end of turn, tags that are one token); ``stop_tags``: tags spelled in
    several tokens, stopped on with ``generate(stop_strings=...)`` and trimmed off by ``trim_tag_text``.
    """
    if max_new_tokens == 0:
        return [[] for _ in rows]
    ids, mask = (t.to(model.device) for t in _left_pad(rows, tok.pad_token_id))
    strings = {"stop_strings": list(stop_tags), "tokenizer": tok} if stop_tags else {}
    out = model.generate(
        input_ids=ids, attention_mask=mask, **audio, max_new_tokens=max_new_tokens, **_sampling(temperature),
        eos_token_id=list(stop_ids), pad_token_id=tok.pad_token_id, suppress_tokens=suppress, **strings,
    )
    new = [cut_at_stop(row.tolist(), stop_ids, max_new_tokens) for row in out[:, ids.size(1):]]  # (B, <= max)
    if stop_tags:
        new = [trim_tag_text(row, lambda t: tok.decode(t, skip_special_tokens=True), stop_tags) for row in new]
    return new


def _audio_of(model, enc, rows):
    return {"input_features": enc["input_features"][rows].to(model.device, model.dtype),
            "feature_attention_mask": enc["feature_attention_mask"][rows].to(model.device)}


def budget_forced_curve(model, processor, prompts: Sequence[list[dict]], audios: Sequence[np.ndarray],
                        budgets: Sequence[int], answer_tokens: int, batch_size: int = 16,
                        temperature: float = 0.0) -> dict[int, list[BudgetedCompletion]]:
    """``{L: completions}`` of ``prompts`` (chat messages with an audio part) with the thinking capped at each L.

    Works with the toy tokenizer (tags are single tokens) and with Qwen's (tags spelled in several tokens).
    """
    budgets = sorted(set(int(b) for b in budgets))
    if not budgets or budgets[0] < 0 or answer_tokens < 1:
        raise ValueError(f"budgets must be >= 0 and answer_tokens >= 1, got {budgets}, {answer_tokens}")
    if len(prompts) != len(audios):
        raise ValueError(f"{len(prompts)} prompts but {len(audios)} audio clips")
    tok = processor.tokenizer
    tags = (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)
    tag_ids = {t: tok.encode(t, add_special_tokens=False) for t in tags}
    single = {t: ids[0] for t, ids in tag_ids.items() if len(ids) == 1}
    spelled = [t for t in tags if t not in single]
    stops = sorted({tok.eos_token_id, tok.pad_token_id} | set(single.values()))  # any tag or end of turn
    opening = tag_ids[THINK_OPEN]
    closing = tok.encode(THINK_CLOSE + ANSWER_OPEN, add_special_tokens=False)  # the forced "</think><answer>"
    suppress = [tok.audio_token_id]  # a sampled <|AUDIO|> would have no audio features behind it
    decode = lambda t: tok.decode(t, skip_special_tokens=True)  # noqa: E731
    model.eval()
    curve: dict[int, list[BudgetedCompletion]] = {b: [] for b in budgets}
    for start in range(0, len(prompts), batch_size):
        batch_prompts = list(prompts[start:start + batch_size])
        texts = processor.apply_chat_template(batch_prompts, add_generation_prompt=True, tokenize=False)
        enc = processor(text=texts, audio=list(audios[start:start + batch_size]), padding=True, return_tensors="pt")
        opened = [ids[m.bool()].tolist() + opening for ids, m in zip(enc["input_ids"], enc["attention_mask"])]
        everything = list(range(len(opened)))
        longest = _continue(model, tok, opened, _audio_of(model, enc, everything), budgets[-1], stops, spelled,
                            suppress, temperature)
        kept = {}  # (row, budget) -> thinking tokens kept under that budget
        for b in budgets:
            for i, think in enumerate(longest):
                cut = think[:b]
                kept[i, b] = trim_tag_text(cut, decode, spelled) if spelled and len(think) > b else cut
        pending = sorted({(i, tuple(t)) for (i, _), t in kept.items()})  # one answer per distinct thinking
        answers = {}
        for chunk in range(0, len(pending), batch_size):
            part = pending[chunk:chunk + batch_size]
            rows = [opened[i] + list(think) + closing for i, think in part]
            outs = _continue(model, tok, rows, _audio_of(model, enc, [i for i, _ in part]), answer_tokens, stops,
                             spelled, suppress)
            answers.update({key: out for key, out in zip(part, outs)})
        for b in budgets:
            for i in everything:
                think = kept[i, b]
                think_text, answer_text = decode(think), decode(answers[i, tuple(think)])
                text = f"{THINK_OPEN}{think_text}{THINK_CLOSE}{ANSWER_OPEN}{answer_text}{ANSWER_CLOSE}"
                curve[b].append(BudgetedCompletion(text=text, answer=answer_text.strip(), reasoning_tokens=len(think)))
    return curve


def budget_forced_generate(model, processor, prompts: Sequence[list[dict]], audios: Sequence[np.ndarray],
                           budget: int, answer_tokens: int, batch_size: int = 16,
                           temperature: float = 0.0) -> list[BudgetedCompletion]:
    """Completions with the thinking capped at one ``budget`` (``budget_forced_curve`` with one L)."""
    if budget < 0:
        raise ValueError(f"budget must be >= 0, got {budget}")
    return budget_forced_curve(model, processor, prompts, audios, [budget], answer_tokens, batch_size,
                               temperature)[budget]
