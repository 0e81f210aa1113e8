"""A method against the front of fixed-coefficient runs: its reward minus the front's at a matched point.

The front is a set of configurations (GRPO at several fixed beta), each run from several seeds, each seed giving
a position x (its beta, or its final KL to the reference) and a reward. A treated configuration (an ADRPO
variant) is placed on the same axis at its mean x; the front's reward there is the linear interpolation between
the two front points whose mean x bracket it:

    gap = mean_i R_i - [ R_lo + w (R_hi - R_lo) ],   w = clip((X - X_lo) / (X_hi - X_lo), 0, 1)

with X, X_lo, X_hi, R_lo, R_hi means over each configuration's seeds. Beyond the front's ends the nearest point
stands in (w = 0 against one point). The 95% interval resamples the seeds of every configuration on its own,
keeping each seed's (x, R) together, through ``replication.eval.stats.bootstrap_interval``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from replication.eval.stats import Interval, bootstrap_interval


@dataclass(frozen=True)
class Runs:
    """One configuration's seeds: position ``x`` and ``reward`` per seed (same order)."""

    x: np.ndarray
    reward: np.ndarray

    @classmethod
    def of(cls, x: Sequence[float], reward: Sequence[float]) -> Runs:
        x, reward = np.asarray(x, dtype=float), np.asarray(reward, dtype=float)
        if x.shape != reward.shape or x.ndim != 1 or len(x) == 0:
            raise ValueError(f"x and reward need one value per seed each, got {x.shape} and {reward.shape}")
        return cls(x, reward)


@dataclass(frozen=True)
class FrontComparison:
    gap: Interval  # treated reward minus the front's at the treated mean x
    x: float  # the treated configuration's mean x
    front_reward: float  # the front's interpolated reward there
    neighbours: tuple[int, ...]  # indices (into the front as given) of the one or two points used


def bracket(front_x: Sequence[float], x: float) -> tuple[int, ...]:
    """Indices of the front points (positions ``front_x``, any order) that bracket ``x``: the nearest below and the
    nearest above; only the end point when ``x`` lies beyond the front."""
    order = sorted(range(len(front_x)), key=lambda i: front_x[i])
    below = [i for i in order if front_x[i] <= x]
    above = [i for i in order if front_x[i] > x]
    if not below:
        return (order[0],)
    if not above:
        return (order[-1],)
    return (below[-1], above[0])


def interpolate(x: np.ndarray, x_lo: np.ndarray, r_lo: np.ndarray, x_hi: np.ndarray, r_hi: np.ndarray) -> np.ndarray:
    """R_lo + w (R_hi - R_lo), w = clip((x - x_lo) / (x_hi - x_lo), 0, 1), elementwise; w = 1/2 where a
    resample gives both points the same x."""
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(x_hi != x_lo, np.clip((x - x_lo) / (x_hi - x_lo), 0.0, 1.0), 0.5)
    return r_lo + weight * (r_hi - r_lo)


def front_gap(treated: Runs, front: Sequence[Runs], seed: int = 0) -> FrontComparison:
    """``treated``'s mean reward minus the front's interpolated reward at its mean x (module docstring)."""
    means = [float(point.x.mean()) for point in front]
    x = float(treated.x.mean())
    neighbours = bracket(means, x)
    points = [front[i] for i in neighbours]

    def statistic(*indices: np.ndarray, axis: int = -1) -> np.ndarray:
        picked = [np.asarray(index, dtype=int) for index in indices]  # resampled seed indices per configuration
        r_t = treated.reward[picked[0]].mean(axis=axis)
        if len(points) == 1:
            return r_t - points[0].reward[picked[1]].mean(axis=axis)
        x_t = treated.x[picked[0]].mean(axis=axis)
        (lo, i_lo), (hi, i_hi) = zip(points, picked[1:], strict=True)
        front_reward = interpolate(x_t, lo.x[i_lo].mean(axis=axis), lo.reward[i_lo].mean(axis=axis),
                                   hi.x[i_hi].mean(axis=axis), hi.reward[i_hi].mean(axis=axis))
        return r_t - front_reward

    samples = [np.arange(len(treated.x))] + [np.arange(len(point.x)) for point in points]
    gap = bootstrap_interval(samples, statistic, paired=False, seed=seed)
    return FrontComparison(gap, x, float(treated.reward.mean()) - gap.estimate, neighbours)
