"""Intervals for test-time scaling curves, by bootstrap over test items (``replication.eval.stats``).

Every model answers the same test items at every budget, so items are the resampling unit and each resample keeps
an item's whole curve together (paired across budgets, and across methods when two are compared). A method trained
from several seeds is represented by its seed-mean curve: per item and budget, the share of seeds that answered
right and the mean tokens used; the seeds' spread is reported beside it (``mean_interval`` over per-seed values).

Arrays: ``correct`` and ``tokens`` of shape (B, N): B budgets in ascending order (L = 0 first), N items in a fixed
order. ``seed_mean`` turns (S, B, N) into (B, N).

API
---
``seed_mean(values) -> (B, N)``
``accuracy_interval(correct_row) -> Interval``             accuracy (%) of one budget
``paired_accuracy_difference(treatment_row, control_row) -> Interval``   percentage points, same items
``slope_interval(correct, tokens, include_zero=True) -> Interval``       ``curve_slope`` with its interval
``slope_difference_interval(t_correct, t_tokens, c_correct, c_tokens, include_zero=True) -> Interval``
    slope(treatment) - slope(control), the items resampled jointly for both.
"""

from __future__ import annotations

import numpy as np

from replication.eval.scaling import curve_slope
from replication.eval.stats import Interval, bootstrap_interval, mean_interval, paired_difference


def seed_mean(values) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 3:
        raise ValueError(f"expected (seeds, budgets, items), got shape {values.shape}")
    return values.mean(axis=0)


def accuracy_interval(correct_row) -> Interval:
    return mean_interval(100.0 * np.asarray(correct_row, dtype=np.float64))


def paired_accuracy_difference(treatment_row, control_row) -> Interval:
    return paired_difference(100.0 * np.asarray(treatment_row, dtype=np.float64),
                             100.0 * np.asarray(control_row, dtype=np.float64))


def _curves(correct, tokens, include_zero: bool) -> tuple[np.ndarray, np.ndarray]:
    correct, tokens = np.asarray(correct, dtype=np.float32), np.asarray(tokens, dtype=np.float32)
    if correct.shape != tokens.shape or correct.ndim != 2 or correct.shape[0] < (3 if not include_zero else 2):
        raise ValueError(f"need (budgets, items) arrays of one shape with enough budgets, got {correct.shape} and "
                         f"{tokens.shape}")
    return (correct, tokens) if include_zero else (correct[1:], tokens[1:])


def _resampled(matrix: np.ndarray, index: np.ndarray) -> np.ndarray:
    return matrix[:, index.astype(np.intp)]  # (B, ..., N): one resample of the items per leading index


def _flat(tokens: np.ndarray) -> bool:
    return float(np.ptp(tokens.mean(axis=1))) == 0.0  # the same tokens at every budget: no slope exists


UNDEFINED = Interval(float("nan"), -np.inf, np.inf)


def slope_interval(correct, tokens, include_zero: bool = True) -> Interval:
    """The curve's slope (accuracy points per token) and its interval; undefined (nan, unbounded) for a model
    that uses the same number of tokens at every budget."""
    correct, tokens = _curves(correct, tokens, include_zero)
    if _flat(tokens):
        return UNDEFINED

    def statistic(index, axis=-1):
        return curve_slope(_resampled(correct, index), _resampled(tokens, index), axis=-1)

    return bootstrap_interval([np.arange(correct.shape[1])], statistic, paired=True)


def slope_difference_interval(t_correct, t_tokens, c_correct, c_tokens, include_zero: bool = True) -> Interval:
    t_correct, t_tokens = _curves(t_correct, t_tokens, include_zero)
    c_correct, c_tokens = _curves(c_correct, c_tokens, include_zero)
    if t_correct.shape != c_correct.shape:
        raise ValueError(f"paired curves need the same budgets and items: {t_correct.shape} vs {c_correct.shape}")
    if _flat(t_tokens) or _flat(c_tokens):
        return UNDEFINED

    def statistic(index, axis=-1):
        treatment = curve_slope(_resampled(t_correct, index), _resampled(t_tokens, index), axis=-1)
        return treatment - curve_slope(_resampled(c_correct, index), _resampled(c_tokens, index), axis=-1)

    return bootstrap_interval([np.arange(t_correct.shape[1])], statistic, paired=True)
