"""Reward for the digit-sum task (``replication.data.digit_sum_task``), in TRL's reward contract."""

from __future__ import annotations

from replication.data.digit_sum_task import parse_answer


class DigitSumReward:
    """r = 1[well-formed] * max(0, 1 - |sum(digits) - s| / tolerance)

    1 for a correct answer, linearly less the further the digit sum is from the target, 0 for a malformed answer
    (wrong length, a non-digit, a leading zero). The graded part gives GRPO a signal inside groups where no sample
    is exactly right; ``tolerance`` is how far off earns nothing.

    >>> DigitSumReward(tolerance=4)(["4823", "4822", "0998", "48x3"], target=[17] * 4, num_digits=[4] * 4)
    [1.0, 0.75, 0.0, 0.0]
    """

    __name__ = "digit_sum"  # TRL names the reward's metrics after __name__

    def __init__(self, tolerance: float = 4.0):
        if tolerance <= 0:
            raise ValueError(f"tolerance must be > 0, got {tolerance}")
        self.tolerance = tolerance

    def __call__(self, completions: list[str], target: list[int], num_digits: list[int], **kwargs) -> list[float]:
        rewards = []
        for completion, goal, length in zip(completions, target, num_digits, strict=True):
            digits = parse_answer(completion, length)
            rewards.append(0.0 if digits is None else max(0.0, 1.0 - abs(sum(digits) - goal) / self.tolerance))
        return rewards
