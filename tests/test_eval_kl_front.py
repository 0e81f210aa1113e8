"""A method against the fixed-coefficient front (replication.eval.kl_front), on hand-made runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from replication.eval.kl_front import Runs, bracket, front_gap, interpolate


@pytest.mark.parametrize(
    "front_x, x, expected",
    [
        ([0.0, 0.5, 1.0], 0.3, (0, 1)),  # between the first two
        ([1.0, 0.0, 0.5], 0.3, (1, 2)),  # any order: indices into the list as given
        ([0.0, 0.5, 1.0], 0.5, (1, 2)),  # on a point: that point and the next
        ([0.0, 0.5, 1.0], 1.2, (2,)),  # beyond the last: the end point alone
        ([0.0, 0.5, 1.0], -0.1, (0,)),  # before the first
    ],
)
def test_bracket(front_x, x, expected):
    assert bracket(front_x, x) == expected


def test_interpolation_by_hand():
    # x = 0.3 between (0, 0.2) and (0.5, 0.7): w = 0.6, 0.2 + 0.6 * 0.5 = 0.5; clipped beyond the points
    got = interpolate(np.array([0.3, 0.9, 0.5]), np.array(0.0), np.array(0.2), np.array(0.5), np.array(0.7))
    np.testing.assert_allclose(got, [0.5, 0.7, 0.7])
    assert interpolate(np.array(0.1), np.array(0.2), np.array(0.4), np.array(0.2), np.array(0.6)) == pytest.approx(0.5)


def test_gap_to_the_front_by_hand():
    treated = Runs.of([0.25, 0.35], [0.7, 0.8])  # mean x 0.3, mean reward 0.75
    front = [Runs.of([0.0, 0.0], [0.2, 0.2]), Runs.of([0.5, 0.5], [0.6, 0.8]), Runs.of([1.0, 1.0], [0.9, 0.9])]
    result = front_gap(treated, front)
    assert result.neighbours == (0, 1) and result.x == pytest.approx(0.3)
    assert result.front_reward == pytest.approx(0.2 + 0.6 * (0.7 - 0.2))  # 0.5
    assert result.gap.estimate == pytest.approx(0.25)
    assert result.gap.low <= 0.25 <= result.gap.high


def test_beyond_the_front_the_nearest_point_stands_in():
    treated = Runs.of([1.4, 1.6, 1.5], [0.95, 0.97, 0.96])
    front = [Runs.of([0.0] * 3, [0.2] * 3), Runs.of([1.0, 1.1, 0.9], [0.90, 0.92, 0.91])]
    result = front_gap(treated, front)
    assert result.neighbours == (1,)
    assert result.gap.estimate == pytest.approx(0.96 - 0.91)
    assert result.gap.low > 0  # every resample of these seeds keeps the treated runs above


def test_a_clear_gap_excludes_zero_and_one_seed_gives_no_interval():
    rng = np.random.default_rng(0)
    treated = Runs.of(rng.normal(0.5, 0.01, 5), rng.normal(0.8, 0.01, 5))
    front = [Runs.of([0.0] * 5, rng.normal(0.4, 0.01, 5)), Runs.of([1.0] * 5, rng.normal(0.6, 0.01, 5))]
    gap = front_gap(treated, front).gap
    assert gap.estimate == pytest.approx(0.3, abs=0.02) and gap.low > 0.25
    lonely = front_gap(Runs.of([0.5], [0.8]), [Runs.of([0.0], [0.4]), Runs.of([1.0], [0.6])]).gap
    assert lonely.estimate == pytest.approx(0.3) and math.isinf(lonely.low)


def test_runs_need_one_position_per_reward():
    with pytest.raises(ValueError, match="one value per seed"):
        Runs.of([0.1, 0.2], [0.5])
