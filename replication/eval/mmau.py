"""MMAU scoring: the official string-match rule and the accuracy breakdown by task and difficulty.

API
---
``string_match(answer, prediction, choices) -> bool``
    MMAU's official correctness rule for one item (see the docstring).
``score(items, predictions) -> MMAUScore``
    ``items``: MMAU-format dicts (or objects with ``.id/.answer/.choices/.task/.difficulty``);
    ``predictions``: ``{id: prediction text}`` (a missing id counts as an empty, wrong prediction).
    ``MMAUScore`` holds accuracies in percent: ``total``, ``by_task`` (sound / music / speech),
    ``by_difficulty`` (easy / medium / hard), plus the counts; ``as_dict()`` gives flat keys
    (``total``, ``task/sound``, ``difficulty/easy``, ...) ready for ``write_metrics``.

Source: MMAU's ``evaluation.py`` (Sakshi et al., ICLR 2025), as PAPERS.md section 1 states it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

_WORD = re.compile(r"\b\w+\b")

TASKS = ("sound", "music", "speech")
DIFFICULTIES = ("easy", "medium", "hard")


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def string_match(answer: str, prediction: str, choices: Sequence[str]) -> bool:
    """MMAU's official rule: is ``prediction`` a correct answer?

        T(s)   = set of lower-cased ``\\b\\w+\\b`` tokens of s
        wrong  = U_{c in choices, T(c) != T(answer)} T(c) - T(answer)
        correct <=> T(prediction) != {}  and  T(answer) ⊆ T(prediction)  and  T(prediction) ∩ wrong = {}

    Tokens shared between the answer and another choice never count against the prediction.

    >>> string_match("Man", "The speaker is a man.", ["Man", "Woman", "Child", "Robot"])
    True
    >>> string_match("Man", "man or woman", ["Man", "Woman", "Child", "Robot"])
    False
    """
    prediction_tokens = _tokens(prediction)
    if not prediction_tokens:
        return False
    answer_tokens = _tokens(answer)
    wrong_tokens: set[str] = set()
    for choice in choices:
        choice_tokens = _tokens(choice)
        if choice_tokens != answer_tokens:
            wrong_tokens |= choice_tokens - answer_tokens
    return answer_tokens <= prediction_tokens and prediction_tokens.isdisjoint(wrong_tokens)


def _get(item, key: str):
    return item[key] if isinstance(item, Mapping) else getattr(item, key)


@dataclass(frozen=True)
class MMAUScore:
    """Accuracies in percent (0-100) and the item counts behind each."""

    total: float
    n: int
    by_task: dict[str, float] = field(default_factory=dict)
    by_difficulty: dict[str, float] = field(default_factory=dict)
    n_by_task: dict[str, int] = field(default_factory=dict)
    n_by_difficulty: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float]:
        """Flat ``{"total": .., "task/sound": .., "difficulty/easy": ..}`` for metrics files."""
        flat = {"total": self.total}
        flat.update({f"task/{k}": v for k, v in self.by_task.items()})
        flat.update({f"difficulty/{k}": v for k, v in self.by_difficulty.items()})
        return flat


def score(items: Iterable, predictions: Mapping[str, str]) -> MMAUScore:
    """Accuracy (%) of ``predictions`` on ``items``: total, by task and by difficulty.

    Every item counts; an item with no prediction is wrong (MMAU scores a missing answer as wrong).
    Groups with no items are left out of the breakdown rather than reported as 0.
    """
    hits: dict[tuple[str, str], list[int]] = {}
    total_hits, n = 0, 0
    for item in items:
        correct = int(string_match(_get(item, "answer"), predictions.get(_get(item, "id"), ""), _get(item, "choices")))
        total_hits += correct
        n += 1
        for group in (("task", _get(item, "task")), ("difficulty", _get(item, "difficulty"))):
            hits.setdefault(group, []).append(correct)
    if n == 0:
        raise ValueError("score() got no items")

    def breakdown(kind: str, order: Sequence[str]):
        keys = [k for k in order if (kind, k) in hits] + sorted(k for (g, k) in hits if g == kind and k not in order)
        acc = {k: 100.0 * sum(hits[kind, k]) / len(hits[kind, k]) for k in keys}
        counts = {k: len(hits[kind, k]) for k in keys}
        return acc, counts

    by_task, n_by_task = breakdown("task", TASKS)
    by_difficulty, n_by_difficulty = breakdown("difficulty", DIFFICULTIES)
    return MMAUScore(100.0 * total_hits / n, n, by_task, by_difficulty, n_by_task, n_by_difficulty)
