"""The statistics module: intervals against hand computations, coverage, and the verdict case table."""

import math

import numpy as np
import pytest

from replication.eval.stats import (
    Interval,
    all_of,
    difference_of_means,
    mean_interval,
    paired_difference,
    verdict,
    verdict_table,
)


def test_difference_of_means_is_centred_on_the_plain_difference():
    treatment, control = [0.9, 1.1, 1.0, 1.2, 0.8], [0.1, 0.0, -0.1, 0.2, -0.2]
    interval = difference_of_means(treatment, control)
    assert interval.estimate == pytest.approx(1.0 - 0.0)
    assert interval.low < 1.0 < interval.high
    # every resample of the treatment mean lies in [0.8, 1.2] and of the control mean in [-0.2, 0.2]
    assert 0.6 <= interval.low and interval.high <= 1.4


def test_a_paired_constant_difference_has_no_width():
    control = [0.1, 0.5, 0.9, 0.3]
    interval = paired_difference([c + 0.25 for c in control], control)
    assert (interval.estimate, interval.low, interval.high) == pytest.approx((0.25, 0.25, 0.25))


def test_pairing_removes_the_item_variance():
    rng = np.random.default_rng(0)
    difficulty = rng.normal(size=400)  # items differ a lot, the two methods by a small constant shift plus noise
    control = difficulty + rng.normal(scale=0.1, size=400)
    treatment = difficulty + 0.05 + rng.normal(scale=0.1, size=400)
    paired = paired_difference(treatment, control)
    unpaired = difference_of_means(treatment, control)
    assert paired.low > 0  # paired: the shift is seen
    assert unpaired.low < 0 < unpaired.high  # unpaired: lost in the item spread
    assert (paired.high - paired.low) < (unpaired.high - unpaired.low) / 5


def test_paired_samples_must_have_the_same_items():
    with pytest.raises(ValueError, match="same items"):
        paired_difference([1.0, 2.0], [1.0])


def test_one_observation_gives_no_interval():
    interval = mean_interval([0.7])
    assert interval.estimate == 0.7 and interval.low == -math.inf and interval.high == math.inf
    assert verdict("x", interval, "greater", n_seeds=1).outcome == "inconclusive"
    assert "no interval" in interval.format()


def test_intervals_are_reproducible():
    values = np.random.default_rng(2).normal(size=30)
    assert mean_interval(values) == mean_interval(values)
    assert mean_interval(values, seed=1) != mean_interval(values, seed=0)


def test_the_mean_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    hits = 0
    for trial in range(200):
        sample = rng.normal(loc=2.0, scale=1.0, size=40)
        interval = mean_interval(sample, seed=trial)
        hits += interval.low <= 2.0 <= interval.high
    assert 0.88 <= hits / 200 <= 0.99


# (interval low, high, direction, threshold) -> outcome; one comment per case
VERDICT_CASES = [
    ((0.1, 0.3), "greater", 0.0, "held"),  # wholly above 0, claim "greater"
    ((-0.3, -0.1), "greater", 0.0, "did not hold"),  # wholly below: the opposite effect
    ((-0.1, 0.3), "greater", 0.0, "inconclusive"),  # straddles 0
    ((-0.3, -0.1), "less", 0.0, "held"),  # claim "less" and wholly below
    ((0.1, 0.3), "less", 0.0, "did not hold"),
    ((-0.04, 0.02), "greater", -0.05, "held"),  # non-inferiority: within a margin of 0.05
    ((-0.08, -0.06), "greater", -0.05, "did not hold"),  # worse than the margin allows
    ((0.0, 0.2), "greater", 0.0, "inconclusive"),  # touching the threshold is not excluding it
]


@pytest.mark.parametrize(("bounds", "direction", "threshold", "outcome"), VERDICT_CASES)
def test_verdict_case_table(bounds, direction, threshold, outcome):
    effect = Interval(sum(bounds) / 2, *bounds)
    assert verdict("c", effect, direction, n_seeds=5, threshold=threshold).outcome == outcome


def test_verdict_refuses_an_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        verdict("c", Interval(0.0, -1.0, 1.0), "up", n_seeds=5)


def test_compound_claims():
    held = verdict("a", Interval(0.2, 0.1, 0.3), "greater", n_seeds=5, n_items=600)
    open_ = verdict("b", Interval(0.0, -0.1, 0.1), "greater", n_seeds=3)
    failed = verdict("c", Interval(-0.2, -0.3, -0.1), "greater", n_seeds=5)
    assert all_of("ab", [held, held]).outcome == "held"
    assert all_of("ab", [held, open_]).outcome == "inconclusive"
    assert all_of("abc", [held, open_, failed]).outcome == "did not hold"
    both = all_of("ab", [held, open_], paper="Fig. 1")
    assert both.n_seeds == 3 and both.n_items == 600 and both.effect is None


def test_the_table_shows_effect_interval_evidence_and_paper_side_by_side():
    part = verdict("diversity higher", Interval(0.5, 0.2, 0.8), "greater", n_seeds=5, n_items=512, paper="collapse")
    table = verdict_table([all_of("C1", [part], paper="alpha keeps diversity")])
    assert "| C1 | (all parts) | 5 seeds, 512 items | alpha keeps diversity | **held** |" in table
    assert "↳ diversity higher | +0.500 [+0.200, +0.800] | 5 seeds, 512 items | collapse | **held** |" in table
    assert "claim: effect > 0" in part.sentence()
