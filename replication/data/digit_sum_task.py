"""A generated verifiable task with many correct answers: write an n-digit number whose digits sum to s.

Prompt ``"17/4="`` asks for a 4-digit number (no leading zero) whose digits sum to 17; ``"4823"`` is one of its
597 correct answers. Many answers are correct, so the policy's entropy measures how much of the answer set it keeps
(ADRPO's claim is that it keeps more than fixed-beta GRPO at equal reward), and every answer is checked exactly.
"""

from __future__ import annotations

import itertools
import random
from functools import lru_cache

from datasets import Dataset

SEPARATOR, END = "/", "="


def make_prompt(target: int, num_digits: int) -> str:
    """``make_prompt(17, 4) == "17/4="``."""
    return f"{target}{SEPARATOR}{num_digits}{END}"


def parse_answer(completion: str, num_digits: int) -> list[int] | None:
    """The digits of a well-formed answer (exactly ``num_digits`` digits, no leading zero), else None."""
    text = completion.strip()
    if len(text) != num_digits or not text.isdigit() or text[0] == "0":
        return None
    return [int(char) for char in text]


def is_correct(completion: str, target: int, num_digits: int) -> bool:
    """True when the completion is a well-formed ``num_digits``-digit number whose digits sum to ``target``."""
    digits = parse_answer(completion, num_digits)
    return digits is not None and sum(digits) == target


@lru_cache(maxsize=None)
def solutions(target: int, num_digits: int) -> tuple[str, ...]:
    """Every correct answer, in increasing order (enumerated: at most 9 * 10^(n-1) candidates)."""
    if num_digits < 1 or num_digits > 6:
        raise ValueError(f"num_digits must be in 1..6, got {num_digits}")
    found = []
    for first in range(1, 10):
        for rest in itertools.product(range(10), repeat=num_digits - 1):
            if first + sum(rest) == target:
                found.append(str(first) + "".join(map(str, rest)))
    return tuple(found)


def check_targets(targets: list[int], num_digits: int) -> None:
    """Refuse targets that have no correct answer (s < 1 or s > 9n)."""
    impossible = [target for target in targets if not solutions(target, num_digits)]
    if impossible:
        raise ValueError(f"targets {impossible} have no {num_digits}-digit answer; allowed: 1..{9 * num_digits}")


def prompt_dataset(targets: list[int], num_digits: int, repeats: int) -> Dataset:
    """RL prompts: each target ``repeats`` times, with the columns the reward reads (``target``, ``num_digits``)."""
    check_targets(targets, num_digits)
    rows = [
        {"prompt": make_prompt(target, num_digits), "target": target, "num_digits": num_digits}
        for _ in range(repeats)
        for target in targets
    ]
    return Dataset.from_list(rows)


def sft_dataset(targets: list[int], num_digits: int, per_target: int, seed: int) -> Dataset:
    """Prompt-completion pairs for SFT: ``per_target`` answers drawn uniformly from each target's answer set.

    Uniform draws make the supervised model spread its mass over many answers (entropy to keep or lose later).
    """
    check_targets(targets, num_digits)
    rng = random.Random(seed)
    rows = [
        {"prompt": make_prompt(target, num_digits), "completion": rng.choice(solutions(target, num_digits))}
        for target in targets
        for _ in range(per_target)
    ]
    rng.shuffle(rows)
    return Dataset.from_list(rows)
