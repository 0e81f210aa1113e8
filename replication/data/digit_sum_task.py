"""A generated verifiable task with many correct answers: write an n-digit number whose digits sum to s.

Prompt ``"17/4="`` asks for a 4-digit number (no leading zero) whose digits sum to 17; ``"4823"`` is one of its
597 correct answers. A *goal* is one (target s, digit count n) pair; the task of a profile is a list of goals
(``all_goals``: every feasible s for each n, 81 prompts for n in {2, 3, 4}). Many answers are correct, so the
policy's entropy measures how much of the answer set it keeps, and every answer is checked exactly.
"""

from __future__ import annotations

import itertools
import random
from functools import lru_cache

from datasets import Dataset

SEPARATOR, END = "/", "="
Goal = tuple[int, int]  # (target digit sum s, number of digits n)


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


def well_formed_count(num_digits: int) -> int:
    """How many well-formed answers there are: 9 * 10^(n-1) numbers of n digits without a leading zero."""
    return 9 * 10 ** (num_digits - 1)


def chance_solve_rate(target: int, num_digits: int) -> float:
    """P(correct) for a uniformly random well-formed answer: |solutions(s, n)| / (9 * 10^(n-1)).

    The chance level the base model's exact-solve rate is compared with (a generous one: a policy that has not
    even learnt the format is far below it). ``chance_solve_rate(2, 2) == 2 / 90`` (11 and 20).
    """
    return len(solutions(target, num_digits)) / well_formed_count(num_digits)


def all_goals(digit_counts: list[int]) -> list[Goal]:
    """Every feasible goal: for each n in ``digit_counts``, every target s in 1..9n (n-major order)."""
    if len(set(digit_counts)) != len(digit_counts):
        raise ValueError(f"digit counts must not repeat, got {digit_counts}")
    return [(target, n) for n in digit_counts for target in range(1, 9 * n + 1)]


def check_goals(goals: list[Goal]) -> None:
    """Refuse goals that have no correct answer (s < 1 or s > 9n)."""
    impossible = [goal for goal in goals if not solutions(*goal)]
    if impossible:
        raise ValueError(f"goals {impossible} (target, digits) have no answer; allowed targets: 1..9 * digits")


def prompt_dataset(goals: list[Goal], repeats: int) -> Dataset:
    """RL prompts: each goal ``repeats`` times, with the columns the reward reads (``target``, ``num_digits``)."""
    check_goals(goals)
    rows = [
        {"prompt": make_prompt(target, n), "target": target, "num_digits": n}
        for _ in range(repeats)
        for target, n in goals
    ]
    return Dataset.from_list(rows)


def sft_dataset(goals: list[Goal], per_goal: int, seed: int) -> Dataset:
    """Prompt-completion pairs for SFT: ``per_goal`` answers drawn uniformly from each goal's answer set.

    Uniform draws make the supervised model spread its mass over many answers (entropy to keep or lose later).
    """
    check_goals(goals)
    rng = random.Random(seed)
    rows = [
        {"prompt": make_prompt(target, n), "completion": rng.choice(solutions(target, n))}
        for target, n in goals
        for _ in range(per_goal)
    ]
    rng.shuffle(rows)
    return Dataset.from_list(rows)
