"""CESAR's rewards for audio reasoning (PAPERS.md section 1), with TRL's contract ``f(completions, **kwargs)``.

    R = a1*R_acc + a2*R_format + a3*R_consistency + a4*R_keywords + a5*R_overthinking,   a = (5, 1, 1, 1, 1)

API (every reward returns ``list[float]``, one value in [0, 1] per completion, before weighting)
---
``accuracy_reward(completions, answer, choices=None)``   1 if the ``<answer>`` text is correct by MMAU's rule
``format_reward(completions)``                            1 if exactly ``<think>…</think><answer>…</answer>``
``consistency_reward(completions, question, choices=None)``  (Sim(t, ŷ) + Sim(t, Q)) / 2
``keyword_reward(completions)``                           mean of the pattern / logic / domain lexicon scores
``OverthinkingReward(tokenizer=None, L_max=256)``         picklable callable: clip(1 - |t| / L_max, 0, 1)
``overthinking_reward``                                   ``OverthinkingReward()`` (whitespace words)
``concept_similarity(x, y)``                              |C(x) ∩ C(y)| / max(|C(x)|, |C(y)|), 0 if both empty
``split_completion(text) -> (think, answer | None)``      the parse every reward shares (see its docstring)
``words(text) -> list[str]``                              lower-cased ``\\w+`` tokens (concepts and keywords)
``completion_text(completion) -> str``                    a completion given as a string or as chat messages
``format_completion(think, answer) -> str``               ``<think>t</think><answer>y</answer>`` (SFT targets)
``cesar_reward_funcs(weights=None, tokenizer=None, L_max=256) -> (funcs, weights)``
    the components with non-zero weight and their weights, in order, for ``GRPOTrainer(reward_funcs=...)`` and
    ``GRPOConfig(reward_weights=...)``; ``weights`` is a mapping over ``COMPONENTS`` or a 5-sequence.
``CesarReward(weights=None, tokenizer=None, L_max=256)``  picklable callable: the weighted sum R itself

Completions may be strings or chat messages (``[{"role": "assistant", "content": "..."}]``). Per-item kwargs
(``answer``, ``question``, ``choices``) are lists aligned with ``completions``, as TRL passes dataset columns; a
single string (or a single list of choice strings) is shared by all completions. Malformed completions (no tags,
repeated, nested or reversed tags, empty, huge, non-ASCII, not even a string) never raise: they score low.
Lexicons and stop words: ``cesar_lexicons.yaml`` beside this file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from replication.eval.mmau import string_match

LEXICON_FILE = Path(__file__).with_name("cesar_lexicons.yaml")
COMPONENTS = ("accuracy", "format", "consistency", "keywords", "overthinking")
DEFAULT_WEIGHTS = {"accuracy": 5.0, "format": 1.0, "consistency": 1.0, "keywords": 1.0, "overthinking": 1.0}

THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE = "<think>", "</think>", "<answer>", "</answer>"
_TAGS = (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)
_WORD = re.compile(r"\w+")


def _load_lexicons(path: Path = LEXICON_FILE):
    raw = yaml.safe_load(path.read_text())
    stopwords = frozenset(raw["stopwords"].split())
    categories = {}
    for name in ("pattern", "logic", "domain"):
        unigrams, phrases, gapped = set(), [], []
        for entry in raw[name]:
            entry = entry.lower().strip()
            if "..." in entry:
                # "if ... then": the parts in order within one sentence (no . ! ? between them)
                parts = [p.strip() for p in entry.split("...")]
                pattern = re.compile(r"\b" + r"\b[^.!?]*?\b".join(map(re.escape, parts)) + r"\b")
                gapped.append((frozenset(w for p in parts for w in p.split()), pattern))
            elif " " in entry:
                phrases.append((entry.split()[0], " " + " ".join(entry.split()) + " "))  # padded: whole words only
            else:
                unigrams.add(entry)
        categories[name] = (frozenset(unigrams), tuple(phrases), tuple(gapped), float(raw["saturation"][name]))
    return stopwords, categories


STOPWORDS, LEXICONS = _load_lexicons()


# ASCII fast path for the \w+ tokenizer: one C-level byte translation (upper -> lower, non-word -> space) and a
# split give exactly re.findall(r"\w+", text.lower()) on ASCII text, about 3x faster (see the benchmark).
_ASCII_WORD_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else c if (97 <= c <= 122 or 48 <= c <= 57 or c == 95) else 32 for c in range(256)
)


def words(text: str) -> list[str]:
    """Lower-cased ``\\w+`` tokens of ``text`` (the unit of concepts and keywords)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_WORD_TABLE).decode("ascii").split()
    return _WORD.findall(text.lower())


class Parsed:
    """One completion, parsed once (``_parse`` caches it); word-level views are computed on first use, so the
    outcome-only rewards (accuracy, format) never tokenize the reasoning."""

    __slots__ = ("think", "answer", "well_formed", "_words", "_word_set", "_concepts")

    def __init__(self, think: str, answer: str | None, well_formed: bool):
        self.think = think  # the reasoning text t
        self.answer = answer  # the final answer ŷ, None when there is no closed <answer> block
        self.well_formed = well_formed  # exactly <think>…</think><answer>…</answer>, answer non-empty
        self._words = self._word_set = self._concepts = None

    @property
    def think_words(self) -> tuple[str, ...]:
        """Lower-cased ``\\w+`` tokens of t, in order."""
        if self._words is None:
            self._words = tuple(words(self.think))
        return self._words

    @property
    def think_word_set(self) -> frozenset[str]:
        if self._word_set is None:
            self._word_set = frozenset(self.think_words)
        return self._word_set

    @property
    def think_concepts(self) -> frozenset[str]:
        """C(t): the word set minus stop words."""
        if self._concepts is None:
            self._concepts = self.think_word_set - STOPWORDS
        return self._concepts


def completion_text(completion: Any) -> str:
    """The text of one completion: a string, a message dict, or a list of chat messages (last one's content)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content_text(completion.get("content"))
    if isinstance(completion, Sequence) and completion:
        assistant = [m for m in completion if isinstance(m, Mapping) and m.get("role", "assistant") == "assistant"]
        return _content_text(assistant[-1].get("content")) if assistant else ""
    return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):  # multimodal content parts: [{"type": "text", "text": ...}, ...]
        return "".join(p["text"] for p in content if isinstance(p, Mapping) and isinstance(p.get("text"), str))
    return ""


def format_completion(think: str, answer: str) -> str:
    """The output format the rewards expect: ``<think>{think}</think><answer>{answer}</answer>``."""
    return f"{THINK_OPEN}{think}{THINK_CLOSE}{ANSWER_OPEN}{answer}{ANSWER_CLOSE}"


def split_completion(text: str) -> tuple[str, str | None]:
    """``(think, answer)`` of a completion text.

    think: the text after the first ``<think>`` up to the next ``</think>`` (or the next ``<answer>``, or the
    end, when unclosed); without ``<think>``, everything before the first ``<answer>`` (a bare string is all
    reasoning). answer: the text of the last ``<answer>…</answer>`` block, None without one.
    """
    parsed = _parse(text)
    return parsed.think, parsed.answer


@lru_cache(maxsize=4096)
def _parse(text: str) -> Parsed:
    # Cached because TRL calls every reward function on the same completion strings, one after another.
    start = text.find(THINK_OPEN)
    if start >= 0:
        start += len(THINK_OPEN)
        end = text.find(THINK_CLOSE, start)
        if end < 0:
            end = text.find(ANSWER_OPEN, start)
        think = text[start:end] if end >= 0 else text[start:]
    else:
        end = text.find(ANSWER_OPEN)
        think = text[:end] if end >= 0 else text
    think = think.strip()

    answer = None
    a_open = text.rfind(ANSWER_OPEN)
    if a_open >= 0:
        a_close = text.find(ANSWER_CLOSE, a_open)
        if a_close >= 0:
            answer = text[a_open + len(ANSWER_OPEN) : a_close].strip()

    return Parsed(think, answer, _well_formed(text, answer))


def _well_formed(text: str, answer: str | None) -> bool:
    if not answer or any(text.count(tag) != 1 for tag in _TAGS):
        return False
    body = text.strip()
    think_close, answer_open = body.find(THINK_CLOSE), body.find(ANSWER_OPEN)
    return (
        body.startswith(THINK_OPEN)
        and body.endswith(ANSWER_CLOSE)
        and think_close < answer_open
        and not body[think_close + len(THINK_CLOSE) : answer_open].strip()
    )


def _parsed(completions: Sequence[Any]) -> list[Parsed]:
    return [_parse(completion_text(c)) for c in completions]


def _column(value: Any, n: int, name: str, *, is_choices: bool = False) -> list:
    """Per-completion values of a kwarg: a list aligned with completions, or one value shared by all."""
    if value is None or isinstance(value, str):
        return [value] * n
    if is_choices and all(isinstance(v, str) for v in value):
        return [list(value)] * n  # one list of choices shared by every completion
    if len(value) != n:
        raise ValueError(f"{name!r} has {len(value)} entries for {n} completions; pass one per completion")
    return list(value)


# ----------------------------------------------------------------------------------------------------------------
# The five components


def accuracy_reward(completions, answer=None, choices=None, **kwargs) -> list[float]:
    """R_acc = 1[ŷ is the ground truth], ŷ the text of the last ``<answer>`` block (0 without one).

    With ``choices``, correctness is MMAU's ``string_match`` (the benchmark's own rule, so training and test agree);
    without, the lower-cased word tokens of ŷ and the answer must be equal.

    >>> accuracy_reward(["<think>low voice</think><answer>Man</answer>"], answer=["Man"], choices=[["Man", "Woman"]])
    [1.0]
    """
    n = len(completions)
    if answer is None:
        raise ValueError("accuracy_reward needs the ground-truth `answer` column")
    answers, choice_lists = _column(answer, n, "answer"), _column(choices, n, "choices", is_choices=True)
    rewards = []
    for parsed, truth, options in zip(_parsed(completions), answers, choice_lists):
        if parsed.answer is None:
            rewards.append(0.0)
        elif options:
            rewards.append(float(string_match(truth, parsed.answer, options)))
        else:
            rewards.append(float(_WORD.findall(parsed.answer.lower()) == _WORD.findall(str(truth).lower())))
    return rewards


def format_reward(completions, **kwargs) -> list[float]:
    """R_format = 1[completion is exactly ``<think> t </think><answer> y </answer>``], whitespace around allowed.

    Each tag exactly once, in that order, nothing outside them, ŷ non-empty (t may be empty: the L = 0 mode).

    >>> format_reward(["<think>x</think><answer>B</answer>", "<answer>B</answer>"])
    [1.0, 0.0]
    """
    return [float(p.well_formed) for p in _parsed(completions)]


@lru_cache(maxsize=4096)
def concepts(text: str) -> frozenset[str]:
    """C(x): the lower-cased ``\\w+`` tokens of x minus stop words (the paper leaves C unpublished)."""
    return frozenset(words(text)) - STOPWORDS


def _similarity(cx: frozenset[str], cy: frozenset[str]) -> float:
    largest = max(len(cx), len(cy))
    return len(cx & cy) / largest if largest else 0.0


def concept_similarity(x: str, y: str) -> float:
    """Sim(x, y) = |C(x) ∩ C(y)| / max(|C(x)|, |C(y)|), and 0 when both concept sets are empty.

    >>> concept_similarity("the pitch rises", "a rising pitch")   # {pitch, rises} vs {rising, pitch}
    0.5
    """
    return _similarity(concepts(x), concepts(y))


def consistency_reward(completions, question=None, choices=None, **kwargs) -> list[float]:
    """R_consistency = (Sim(t, ŷ) + Sim(t, Q)) / 2, Q = the question and its choices; halved into [0, 1].

    Rewards reasoning that talks about what the question asks and ends where the answer is.
    """
    n = len(completions)
    questions, choice_lists = _column(question, n, "question"), _column(choices, n, "choices", is_choices=True)
    rewards = []
    for parsed, q, options in zip(_parsed(completions), questions, choice_lists):
        full_question = " ".join([q or "", *(options or [])])
        c_t = parsed.think_concepts
        rewards.append(0.5 * (_similarity(c_t, concepts(parsed.answer or "")) + _similarity(c_t, concepts(full_question))))
    return rewards


def _category_score(parsed: Parsed, padded: str, lexicon) -> float:
    unigrams, phrases, gapped, saturation = lexicon
    hits = len(unigrams.intersection(parsed.think_word_set))
    hits += sum(1 for first_word, phrase in phrases if first_word in parsed.think_word_set and phrase in padded)
    # the regex only runs when every part of the entry is among the words (cheap set lookups first)
    hits += sum(1 for parts, pattern in gapped if parts <= parsed.think_word_set and pattern.search(parsed.think.lower()))
    return min(1.0, hits / saturation)


def keyword_reward(completions, **kwargs) -> list[float]:
    """R_keywords = (R_pattern + R_logic + R_domain) / 3, each min(1, distinct lexicon hits in t / saturation).

    Lexicons and saturations: ``cesar_lexicons.yaml``. Only the reasoning t is read, not the answer.
    """
    rewards = []
    for parsed in _parsed(completions):
        if not parsed.think_words:
            rewards.append(0.0)
            continue
        padded = " " + " ".join(parsed.think_words) + " "
        rewards.append(sum(_category_score(parsed, padded, lexicon) for lexicon in LEXICONS.values()) / 3.0)
    return rewards


class OverthinkingReward:
    """R_overthinking = clip(1 - |t| / L_max, 0, 1); |t| = reasoning tokens (L_max = 256 in the paper).

    |t| counts the policy's tokens when built with its ``tokenizer`` (what training uses) and whitespace words
    otherwise. Picklable, so TRL can ship it to workers. A call-time ``L_max`` overrides the constructor's.

    >>> OverthinkingReward(L_max=4)(["<think>one two three</think><answer>B</answer>"])
    [0.25]
    """

    def __init__(self, tokenizer=None, L_max: int = 256):
        if L_max <= 0:
            raise ValueError(f"L_max must be a positive token count, got {L_max}")
        self.tokenizer = tokenizer
        self.L_max = L_max
        self.__name__ = "overthinking_reward"  # TRL names reward columns after __name__

    def count(self, think: str) -> int:
        if self.tokenizer is None:
            return len(think.split())
        return len(self.tokenizer.encode(think, add_special_tokens=False)) if think else 0

    def __call__(self, completions, L_max: int | None = None, **kwargs) -> list[float]:
        limit = self.L_max if L_max is None else L_max
        if limit <= 0:
            raise ValueError(f"L_max must be a positive token count, got {limit}")
        return [min(1.0, max(0.0, 1.0 - self.count(p.think) / limit)) for p in _parsed(completions)]


overthinking_reward = OverthinkingReward()


# ----------------------------------------------------------------------------------------------------------------
# Weighting


def resolve_weights(weights: Mapping[str, float] | Sequence[float] | None = None) -> dict[str, float]:
    """Weights over ``COMPONENTS``: a mapping (missing components get 0) or a 5-sequence; None = (5, 1, 1, 1, 1)."""
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if isinstance(weights, Mapping):
        unknown = set(weights) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown reward components {sorted(unknown)}; allowed: {list(COMPONENTS)}")
        return {name: float(weights.get(name, 0.0)) for name in COMPONENTS}
    if len(weights) != len(COMPONENTS):
        raise ValueError(f"need {len(COMPONENTS)} weights in the order {list(COMPONENTS)}, got {len(weights)}")
    return dict(zip(COMPONENTS, map(float, weights)))


def cesar_reward_funcs(weights=None, tokenizer=None, L_max: int = 256) -> tuple[list, list[float]]:
    """The reward functions with non-zero weight and their weights, in ``COMPONENTS`` order.

    Feed them to TRL: ``GRPOTrainer(reward_funcs=funcs, args=GRPOConfig(reward_weights=ws, ...))``. Ablations
    are weight 0 (e.g. ``{"accuracy": 5, "format": 1}`` is the outcome-only baseline).
    """
    resolved = resolve_weights(weights)
    table = {
        "accuracy": accuracy_reward,
        "format": format_reward,
        "consistency": consistency_reward,
        "keywords": keyword_reward,
        "overthinking": OverthinkingReward(tokenizer, L_max),
    }
    kept = [name for name in COMPONENTS if resolved[name] != 0.0]
    return [table[name] for name in kept], [resolved[name] for name in kept]


class CesarReward:
    """R = sum_k a_k R_k over the components with non-zero weight (picklable; for evaluation and analysis)."""

    def __init__(self, weights=None, tokenizer=None, L_max: int = 256):
        self.weights = resolve_weights(weights)
        self.funcs, self.coefficients = cesar_reward_funcs(self.weights, tokenizer, L_max)
        self.__name__ = "cesar_reward"

    def __call__(self, completions, **kwargs) -> list[float]:
        total = [0.0] * len(completions)
        for func, coefficient in zip(self.funcs, self.coefficients):
            for i, value in enumerate(func(completions, **kwargs)):
                total[i] += coefficient * value
        return total
