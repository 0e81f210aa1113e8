"""Test-time scaling analysis: accuracy against the reasoning tokens actually used (CESAR, PAPERS.md section 1).

API
---
``scaling_slope(avg_tokens, accuracies) -> float``
    least-squares slope of accuracy on average reasoning tokens (accuracy units per token; pass accuracies in
    percent to get the paper's "accuracy points per reasoning token").
``sweet_spot(budgets, accuracies) -> tuple[budget, accuracy]``
    the thinking budget L with the highest accuracy (the first one on ties: the cheapest, budgets ascending).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def scaling_slope(avg_tokens: Sequence[float], accuracies: Sequence[float]) -> float:
    """Least-squares slope b of ``accuracy ≈ a + b * tokens``.

        b = sum_i (x_i - x̄)(y_i - ȳ) / sum_i (x_i - x̄)^2,   x = average reasoning tokens, y = accuracy

    Negative b is test-time inverse scaling (accuracy falls as the model reasons longer).
    Needs at least two distinct token counts: with all x equal the slope is undefined and this raises.
    """
    x = np.asarray(avg_tokens, dtype=np.float64)
    y = np.asarray(accuracies, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"avg_tokens and accuracies must be 1-D of equal length, got {x.shape} and {y.shape}")
    dx = x - x.mean()
    denominator = float(dx @ dx)
    if x.size < 2 or denominator == 0.0:
        raise ValueError("scaling_slope needs at least two distinct average token counts")
    return float(dx @ (y - y.mean()) / denominator)


def sweet_spot(budgets: Sequence[float], accuracies: Sequence[float]) -> tuple[float, float]:
    """The budget L* = argmax_L accuracy(L) and its accuracy; ties go to the smallest budget."""
    if len(budgets) != len(accuracies) or not budgets:
        raise ValueError(f"need equal, non-empty lengths, got {len(budgets)} budgets and {len(accuracies)} accuracies")
    best = max(range(len(budgets)), key=lambda i: (accuracies[i], -budgets[i]))
    return budgets[best], accuracies[best]
