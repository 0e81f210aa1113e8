"""Question families: the common record, the registry, and the templated reasoning trace.

API
---
``Draft``: what a family returns: ``audio`` (float array, 16 kHz), ``question``, ``answer`` (correct choice),
  ``distractors`` (3 wrong choices), ``facts`` (perceptual facts, heard) and ``steps`` (reasoning steps).
``Family(name, task, category, sub_category, make, multi_step)``: ``make(rng, difficulty) -> Draft``.
``shuffled_choices(rng, draft) -> list[str]``: the 4 choices in a random order (answer position uniform).
``reasoning_trace(draft) -> str``: the ``<think>`` text for SFT: the facts, then the steps, then the conclusion,
  in audio vocabulary with connectives (first / then / because / therefore), without the tags.
``pick_distractors(rng, pool, answer, k=3)``; ``window_distractors(rng, ordered_pool, answer, k=3)``; ``article(word)``; ``DIFFICULTIES``, ``TASKS``.
The registry of all families is ``replication.data.audio_qa.FAMILIES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

DIFFICULTIES = ("easy", "medium", "hard")
TASKS = ("sound", "music", "speech")


@dataclass
class Draft:
    audio: np.ndarray
    question: str
    answer: str
    distractors: list[str]
    facts: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def __post_init__(self):
        options = [self.answer, *self.distractors]
        if len(self.distractors) != 3 or len({o.lower() for o in options}) != 4:
            raise ValueError(f"a family must give 1 answer + 3 distinct distractors, got {options}")


@dataclass(frozen=True)
class Family:
    name: str
    task: str
    category: str  # MMAU's top level: "Information Extraction" or "Reasoning"
    sub_category: str
    make: Callable[[np.random.Generator, str], Draft]
    multi_step: bool = False  # needs more than one perceptual judgement (compare, count then compare)


def shuffled_choices(rng: np.random.Generator, draft: Draft) -> list[str]:
    options = [draft.answer, *draft.distractors]
    return [options[i] for i in rng.permutation(len(options))]


def reasoning_trace(draft: Draft) -> str:
    """``First, I listen to the audio: <fact 1>. Then <fact 2>. <steps>. Therefore, the answer is <answer>.``"""
    sentences = []
    for i, fact in enumerate(draft.facts):
        sentences.append(f"First, I listen to the audio: {fact}." if i == 0 else f"Then {fact}.")
    sentences.extend(f"{step[0].upper()}{step[1:]}." for step in draft.steps)
    sentences.append(f"Therefore, the answer is {draft.answer}.")
    return " ".join(sentences)


def article(word: str) -> str:
    """``"an augmented"``, ``"a major"``: the indefinite article for ``word``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def window_distractors(rng: np.random.Generator, ordered_pool, answer, k: int = 3) -> list:
    """The other members of a window of k + 1 consecutive ``ordered_pool`` entries that contains ``answer``.

    The window's offset is uniform among those that fit, so the answer is not always the middle value (a text-only
    "pick the median" shortcut would otherwise solve counting questions without listening).
    """
    pool = list(ordered_pool)
    i = pool.index(answer)
    lowest, highest = max(0, i - k), min(i, len(pool) - k - 1)
    start = int(rng.integers(lowest, highest + 1))
    return [p for p in pool[start : start + k + 1] if p != answer]


def pick_distractors(rng: np.random.Generator, pool, answer, k: int = 3) -> list:
    """k distinct members of ``pool`` other than ``answer``, in a random order."""
    others = [p for p in pool if p != answer]
    return [others[i] for i in rng.choice(len(others), size=k, replace=False)]
