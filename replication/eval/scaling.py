"""Test-time scaling analysis: accuracy against the reasoning tokens actually used (CESAR, PAPERS.md section 1).

API
---
``scaling_slope(avg_tokens, accuracies) -> float``
    least-squares slope of accuracy on average reasoning tokens (accuracy units per token; pass accuracies in
    percent to get the paper's "accuracy points per reasoning token").
``sweet_spot(budgets, accuracies) -> tuple[budget, accuracy]``
    the thinking budget L with the highest accuracy (the first one on ties: the cheapest, budgets ascending).
``budgets_from_quantiles(lengths, quantiles) -> list[int]``
    0 (no reasoning) and the given quantiles of the traces' token lengths, rounded, distinct, ascending.
``curve_slope(correct, tokens, axis=-1) -> array``
    the slope of one curve from item-level outcomes: ``correct`` and ``tokens`` are (B, ..., N) arrays (B
    budgets, N items; correct in {0, 1}); accuracy (%) and average tokens are taken over the item axis, then
    ``scaling_slope`` over the budgets, vectorised over any middle axes (what a bootstrap resample needs).
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


def budgets_from_quantiles(lengths: Sequence[int], quantiles: Sequence[float]) -> list[int]:
    """``[0, q_1, q_2, ...]``: the no-reasoning mode and the quantiles of the trace lengths (tokens, rounded).

    The paper spreads 11 budgets evenly over its traces' range (0, 25, ..., 250); quantiles spread them over
    where the traces actually are. Quantiles that round to the same length are kept once.
    """
    if not len(lengths):
        raise ValueError("budgets_from_quantiles needs at least one trace length")
    values = np.quantile(np.asarray(lengths, dtype=np.float64), np.asarray(quantiles, dtype=np.float64))
    return sorted({0, *(int(round(v)) for v in values)})


def curve_slope(correct: np.ndarray, tokens: np.ndarray, axis: int = -1) -> np.ndarray:
    """Slope of 100 * mean(correct) on mean(tokens) across the budgets (axis 0), means over the item ``axis``.

    >>> curve_slope(np.array([[1, 1], [1, 0]]), np.array([[0, 0], [10, 10]]))  # 100 % at 0 tokens, 50 % at 10
    array(-5.)
    """
    accuracy = 100.0 * np.mean(correct, axis=axis)  # (B, ...)
    used = np.mean(tokens, axis=axis)  # (B, ...)
    dx = used - used.mean(axis=0, keepdims=True)
    dy = accuracy - accuracy.mean(axis=0, keepdims=True)
    return np.sum(dx * dy, axis=0) / np.sum(dx * dx, axis=0)
