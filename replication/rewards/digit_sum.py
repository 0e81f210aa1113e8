"""Reward for the digit-sum task (``replication.data.digit_sum_task``), in TRL's reward contract."""

from __future__ import annotations

from replication.data.digit_sum_task import parse_answer, solutions, well_formed_count


def is_non_increasing(digits: list[int]) -> bool:
    """True when each digit is at most the one before it (``[9, 4, 0]`` yes, ``[4, 9, 0]`` no)."""
    return all(left >= right for left, right in zip(digits, digits[1:]))


def tiered_reward(digits: list[int] | None, target: int, easy_reward: float) -> float:
    """r = 0 for a malformed or wrong answer, 1 for a correct one written with non-increasing digits, and
    ``easy_reward`` for any other correct one.

    Two tiers of correct answers make the landscape have local optima: a policy that sharpens onto an easy-tier
    answer ("274" for 13/3) stops sampling the top tier ("940", "931", ...), and once a group's samples all earn
    the same reward GRPO's group advantage is zero, so nothing moves it on.
    """
    if digits is None or sum(digits) != target:
        return 0.0
    return 1.0 if is_non_increasing(digits) else easy_reward


class DigitSumReward:
    """r = 1[sum(digits) = s] * (1 if the digits are non-increasing else easy_reward), 0 for a malformed answer
    (wrong length, a non-digit, a leading zero); see ``tiered_reward``. ``easy_reward = 1`` is the plain exact
    digit-sum reward (every correct answer earns 1).

    >>> DigitSumReward(easy_reward=0.5)(["9710", "4823", "4822", "0998"], target=[17] * 4, num_digits=[4] * 4)
    [1.0, 0.5, 0.0, 0.0]
    """

    __name__ = "digit_sum"  # TRL names the reward's metrics after __name__

    def __init__(self, easy_reward: float = 0.5):
        if not 0.0 <= easy_reward <= 1.0:
            raise ValueError(f"easy_reward must be in [0, 1], got {easy_reward}")
        self.easy_reward = easy_reward

    def __call__(self, completions: list[str], target: list[int], num_digits: list[int], **kwargs) -> list[float]:
        return [
            tiered_reward(parse_answer(completion, length), goal, self.easy_reward)
            for completion, goal, length in zip(completions, target, num_digits, strict=True)
        ]


def digit_sum_solved(completions: list[str], target: list[int], num_digits: list[int], **kwargs) -> list[bool]:
    """Exact solve, either tier: the completion is a well-formed number whose digits sum to the target."""
    return [
        (digits := parse_answer(completion, length)) is not None and sum(digits) == goal
        for completion, goal, length in zip(completions, target, num_digits, strict=True)
    ]


def chance_reward(target: int, num_digits: int, easy_reward: float) -> float:
    """Expected ``DigitSumReward`` of a uniformly random well-formed n-digit answer:

        E[r] = (N_top + easy_reward * (N_correct - N_top)) / (9 * 10^(n-1))

    with N_correct the answers whose digits sum to s and N_top those of them with non-increasing digits.
    ``chance_reward(3, 2, 0.5) == (2 + 0.5 * 1) / 90``: of 12, 21 and 30, the last two are top tier.
    """
    answers = solutions(target, num_digits)
    top = sum(is_non_increasing([int(char) for char in answer]) for answer in answers)
    return (top + easy_reward * (len(answers) - top)) / well_formed_count(num_digits)
