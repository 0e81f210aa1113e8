"""Confidence intervals and verdicts: the one statistics module every report's claim goes through.

Intervals are percentile bootstraps (``scipy.stats.bootstrap``) from a fixed seed, so a rerun prints the same
numbers. Two designs cover the experiments:

- seeds: each configuration is trained from several seeds, the seeds of two configurations are independent, and
  ``difference_of_means`` resamples the seeds of each group on its own;
- items: two methods (or budgets) answer the same evaluation items, and ``paired_difference`` resamples items,
  keeping each item's two outcomes together.

With few seeds (3 to 5) a percentile bootstrap is somewhat narrower than its nominal 95%, so a verdict names the
number of seeds and items it rests on; with fewer than two observations in a group there is no interval at all
(it is reported as unbounded and the verdict is inconclusive).

A verdict is computed, never written by hand: ``held`` when the whole interval lies on the side of the threshold
the claim predicts, ``did not hold`` when it lies wholly on the other side, ``inconclusive`` otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import stats

LEVEL = 0.95
RESAMPLES = 10_000
Direction = Literal["greater", "less"]
Outcome = Literal["held", "did not hold", "inconclusive"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with its confidence interval."""

    estimate: float
    low: float
    high: float
    level: float = LEVEL

    def format(self, digits: int = 3, signed: bool = True) -> str:
        sign = "+" if signed else ""
        value = f"{self.estimate:{sign}.{digits}f}"
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return f"{value} [no interval]"
        return f"{value} [{self.low:{sign}.{digits}f}, {self.high:{sign}.{digits}f}]"

    def __str__(self) -> str:
        return self.format()


def bootstrap_interval(
    samples: Sequence[Sequence[float]],
    statistic: Callable[..., np.ndarray],
    paired: bool,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Interval:
    """Percentile-bootstrap interval of ``statistic(*samples)``.

    ``statistic`` takes one array per sample and an ``axis`` keyword (vectorised, as scipy calls it); ``paired``
    resamples the same indices in every sample (items), otherwise each sample on its own (seeds).
    """
    arrays = [np.asarray(sample, dtype=float) for sample in samples]
    estimate = float(statistic(*arrays, axis=-1))
    if min(len(array) for array in arrays) < 2:
        return Interval(estimate, -math.inf, math.inf, level)
    if all(np.all(array == array[0]) for array in arrays):  # nothing varies: the interval is the point
        return Interval(estimate, estimate, estimate, level)
    result = stats.bootstrap(
        arrays, statistic, n_resamples=resamples, paired=paired, vectorized=True, confidence_level=level,
        method="percentile", rng=np.random.default_rng(seed),
    )
    return Interval(estimate, float(result.confidence_interval.low), float(result.confidence_interval.high), level)


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(values, axis=axis)


def _difference(treatment: np.ndarray, control: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(treatment, axis=axis) - np.mean(control, axis=axis)


def mean_interval(values: Sequence[float], level: float = LEVEL, seed: int = 0) -> Interval:
    """The mean of ``values`` (one per seed) with its bootstrap interval: the band of a curve over seeds."""
    return bootstrap_interval([values], _mean, paired=False, level=level, seed=seed)


def difference_of_means(treatment: Sequence[float], control: Sequence[float], level: float = LEVEL,
                        seed: int = 0) -> Interval:
    """mean(treatment) - mean(control) over independent seeds, each group resampled on its own."""
    return bootstrap_interval([treatment, control], _difference, paired=False, level=level, seed=seed)


def paired_difference(treatment: Sequence[float], control: Sequence[float], level: float = LEVEL,
                      seed: int = 0) -> Interval:
    """mean(treatment_i - control_i) over items scored under both conditions, items resampled as pairs."""
    if len(treatment) != len(control):
        raise ValueError(f"paired samples need the same items: {len(treatment)} vs {len(control)} values")
    return bootstrap_interval([treatment, control], _difference, paired=True, level=level, seed=seed)


@dataclass(frozen=True)
class Verdict:
    """A claim, what we measured for it and the computed outcome, beside the paper's own number."""

    claim: str
    outcome: Outcome
    effect: Interval | None
    n_seeds: int
    n_items: int | None = None
    paper: str = ""
    threshold: float = 0.0
    direction: Direction = "greater"
    parts: tuple[Verdict, ...] = field(default=())

    def evidence(self) -> str:
        """"n seeds, m items" (what the interval rests on)."""
        counts = f"{self.n_seeds} seed{'s' if self.n_seeds != 1 else ''}"
        return counts + (f", {self.n_items} items" if self.n_items is not None else "")

    def sentence(self, digits: int = 3) -> str:
        if self.effect is None:
            return f"{self.claim}: **{self.outcome}** (every part must hold; {self.evidence()})"
        side = ">" if self.direction == "greater" else "<"
        return (f"{self.claim}: **{self.outcome}**; effect {self.effect.format(digits)} "
                f"({self.effect.level:.0%} interval; claim: effect {side} {self.threshold:g}; {self.evidence()})")


def verdict(claim: str, effect: Interval, direction: Direction, n_seeds: int, n_items: int | None = None,
            paper: str = "", threshold: float = 0.0) -> Verdict:
    """Judge ``effect`` against the claim "effect is ``direction`` than ``threshold``" from its interval."""
    if direction not in ("greater", "less"):
        raise ValueError(f"direction must be 'greater' or 'less', got {direction!r}")
    above, below = effect.low > threshold, effect.high < threshold
    if direction == "greater":
        outcome: Outcome = "held" if above else "did not hold" if below else "inconclusive"
    else:
        outcome = "held" if below else "did not hold" if above else "inconclusive"
    return Verdict(claim, outcome, effect, n_seeds, n_items, paper, threshold, direction)


def all_of(claim: str, parts: Sequence[Verdict], paper: str = "") -> Verdict:
    """A claim made of several: held when every part held, did not hold when any part did not, else inconclusive."""
    if not parts:
        raise ValueError("a compound claim needs at least one part")
    outcomes = {part.outcome for part in parts}
    outcome: Outcome = "held" if outcomes == {"held"} else "did not hold" if "did not hold" in outcomes else "inconclusive"
    items = [part.n_items for part in parts if part.n_items is not None]
    return Verdict(claim, outcome, None, min(part.n_seeds for part in parts), min(items) if items else None, paper,
                   parts=tuple(parts))


def verdict_table(verdicts: Sequence[Verdict], digits: int = 3) -> str:
    """A markdown table: claim, our effect with its interval, what it rests on, the paper's number, the verdict."""
    rows = ["| claim | ours: effect [95% interval] | evidence | paper | verdict |", "|---|---|---|---|---|"]
    for top in verdicts:
        for depth, item in [(0, top), *((1, part) for part in top.parts)]:
            name = ("&nbsp;&nbsp;↳ " if depth else "") + item.claim
            effect = item.effect.format(digits) if item.effect is not None else "(all parts)"
            rows.append(f"| {name} | {effect} | {item.evidence()} | {item.paper} | **{item.outcome}** |")
    return "\n".join(rows)
