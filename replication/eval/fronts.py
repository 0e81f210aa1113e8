"""Reward fronts of coefficient sweeps and the gap between two of them, with intervals over seeds.

A method swept over its coefficient traces reward against a second quantity one also wants high: diversity, or
closeness to the reference (``-log10 W2``). Its *front* at a level ``x`` is the highest reward it reaches while
keeping that quantity at least ``x``, linear between its Pareto-optimal configurations (mixing two coefficients
reaches the points between them). ADRPO's claim (C2) is that its front lies above a baseline's: at matched
diversity (or matched W2) it has the higher reward.

The interval resamples seeds within every configuration on its own (independent runs), through
``replication.eval.stats.bootstrap_interval``; the matched levels are fixed from the point estimates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replication.eval.stats import Interval, bootstrap_interval


def pareto_mask(x: np.ndarray, reward: np.ndarray) -> np.ndarray:
    """Points no other point beats in both ``x`` and ``reward`` (maximising both).

    Point i is dominated when some j has x_j >= x_i and reward_j >= reward_i, one of them strictly.
    """
    x, reward = np.asarray(x, float), np.asarray(reward, float)
    geq = (x[None, :] >= x[:, None]) & (reward[None, :] >= reward[:, None])  # [i, j]: j at least i in both
    strict = (x[None, :] > x[:, None]) | (reward[None, :] > reward[:, None])
    return ~(geq & strict).any(axis=1)


def front_reward(x: np.ndarray, reward: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """f(level) = the front's reward at each level: piecewise linear through the Pareto-optimal points.

        f(l) = max reward with x >= l, interpolated linearly between neighbouring Pareto points;
        f(l) = the highest reward for l below the x of the highest-reward point (np.interp's clamping).

    ``x``, ``reward``: (C,) one point per configuration; ``levels``: (L,). Returns (L,).
    """
    x, reward = np.asarray(x, float), np.asarray(reward, float)
    keep = pareto_mask(x, reward)
    order = np.argsort(x[keep])
    return np.interp(np.asarray(levels, float), x[keep][order], reward[keep][order])


def matched_levels(x_a: np.ndarray, x_b: np.ndarray, n: int = 5) -> np.ndarray:
    """``n`` evenly spaced levels over the overlap of the two x ranges (empty when they do not overlap)."""
    low, high = max(np.min(x_a), np.min(x_b)), min(np.max(x_a), np.max(x_b))
    if not low <= high:
        return np.empty(0)
    return np.linspace(low, high, n) if n > 1 else np.array([(low + high) / 2])


def front_gap(x_a: np.ndarray, r_a: np.ndarray, x_b: np.ndarray, r_b: np.ndarray, levels: np.ndarray) -> float:
    """Mean over ``levels`` of f_a(level) - f_b(level): how far front a lies above front b where both reach."""
    return float(np.mean(front_reward(x_a, r_a, levels) - front_reward(x_b, r_b, levels)))


def front_gap_interval(
    a: Sequence[tuple[Sequence[float], Sequence[float]]],
    b: Sequence[tuple[Sequence[float], Sequence[float]]],
    n_levels: int = 5,
    seed: int = 0,
    anchor: tuple[float, float] | None = None,
) -> tuple[Interval, np.ndarray]:
    """The gap of front a over front b at matched levels, with its bootstrap interval over seeds.

    ``a``, ``b``: one ``(x per seed, reward per seed)`` pair per configuration of the method. Each configuration's
    seeds are resampled on their own (a seed's x and reward stay together); each resample recomputes the
    configurations' means, both fronts and their gap at the levels fixed from the point estimates. ``anchor``
    ``(x, reward)``: a fixed point of both fronts, never resampled (the pre-trained model, which every
    regularised method approaches as its regularisation grows). Returns (interval, levels); with no overlap the
    levels are empty and the interval unbounded.
    """
    configs = [*a, *b]
    x_all = [np.asarray(x, float) for x, _ in configs]
    r_all = [np.asarray(r, float) for _, r in configs]
    means_x = np.array([x.mean() for x in x_all])
    means_r = np.array([r.mean() for r in r_all])
    fixed_x, fixed_r = (np.array([anchor[0]]), np.array([anchor[1]])) if anchor is not None else (np.empty(0), np.empty(0))
    levels = matched_levels(np.concatenate([means_x[: len(a)], fixed_x]), np.concatenate([means_x[len(a):], fixed_x]),
                            n_levels)
    if len(levels) == 0:
        return Interval(float("nan"), -np.inf, np.inf), levels
    # each configuration's sample is its row ids into one table, so that resampling keeps (x, reward) pairs
    table_x, table_r = np.concatenate(x_all), np.concatenate(r_all)
    offsets = np.cumsum([0, *[len(x) for x in x_all]])
    ids = [np.arange(offsets[i], offsets[i + 1], dtype=float) for i in range(len(configs))]

    def statistic(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
        rows = [np.asarray(s).astype(int) for s in samples]  # each (..., n_i)
        mx = np.stack([table_x[r].mean(axis=axis) for r in rows], axis=-1)  # (..., C)
        mr = np.stack([table_r[r].mean(axis=axis) for r in rows], axis=-1)
        flat_x, flat_r = mx.reshape(-1, len(configs)), mr.reshape(-1, len(configs))
        gaps = np.array([front_gap(np.concatenate([fx[: len(a)], fixed_x]), np.concatenate([fr[: len(a)], fixed_r]),
                                   np.concatenate([fx[len(a):], fixed_x]), np.concatenate([fr[len(a):], fixed_r]), levels)
                         for fx, fr in zip(flat_x, flat_r)])
        return gaps.reshape(mx.shape[:-1])

    return bootstrap_interval(ids, statistic, paired=False, seed=seed), levels


def least_squares_slope(x: np.ndarray, y: np.ndarray) -> float:
    """slope = sum (x - mean x)(y - mean y) / sum (x - mean x)^2, the ordinary least-squares slope of y on x."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    dx = x - x.mean()
    return float((dx * (y - y.mean())).sum() / (dx**2).sum())


def slope_interval(levels: Sequence[float], values: Sequence[Sequence[float]], seed: int = 0) -> Interval:
    """Slope of the per-configuration mean of ``values`` (one list of seeds per level) against ``levels``, with
    its bootstrap interval over seeds (each configuration's seeds resampled on its own).

    For "the regulariser bites": levels = log10 coefficient, values = log10 W2 per seed; a slope below 0 says
    the divergence falls as the coefficient grows.
    """
    levels = np.asarray(levels, float)
    if len(levels) < 2 or np.all(levels == levels[0]):
        raise ValueError("a slope needs at least two different levels")

    def statistic(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
        means = np.stack([np.asarray(s).mean(axis=axis) for s in samples], axis=-1)  # (..., L)
        dx = levels - levels.mean()
        return ((means - means.mean(axis=-1, keepdims=True)) * dx).sum(axis=-1) / (dx**2).sum()

    return bootstrap_interval([np.asarray(v, float) for v in values], statistic, paired=False, seed=seed)
