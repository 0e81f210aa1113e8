"""Fronts, their gap and slopes (replication.eval.fronts) against hand computations; gates; the digits reward."""

import json

import numpy as np
import pytest
import torch

from replication.eval.fronts import (
    front_gap,
    front_gap_interval,
    front_reward,
    least_squares_slope,
    matched_levels,
    pareto_mask,
    slope_interval,
)
from replication.eval.gates import GateFailed, gate_metrics, require_gate
from replication.rewards.digit_class import ConditionedDigitReward, conditioned_class_probability, digit_labels


def test_pareto_mask_hand_case():
    x = np.array([3.0, 2.0, 1.0, 0.5, 0.2])
    reward = np.array([1.0, 2.0, 2.0, 0.5, 3.0])
    # point 2 is beaten by point 1 (same reward, more x); point 3 by point 1
    assert pareto_mask(x, reward).tolist() == [True, True, False, False, True]


def test_front_reward_interpolates_between_pareto_points_and_clamps_below():
    x, reward = np.array([1.0, 3.0, 2.0]), np.array([0.9, 0.5, 0.4])  # (2, 0.4) is dominated by (3, 0.5)
    # front through (1, 0.9) and (3, 0.5): at 2 -> 0.7; below x = 1 the best reward 0.9
    assert front_reward(x, reward, np.array([2.0, 0.0, 3.0])).tolist() == pytest.approx([0.7, 0.9, 0.5])


def test_matched_levels_span_the_overlap():
    assert matched_levels(np.array([1.0, 4.0]), np.array([2.0, 6.0]), 3).tolist() == [2.0, 3.0, 4.0]
    assert len(matched_levels(np.array([1.0, 2.0]), np.array([3.0, 4.0]), 3)) == 0


def test_front_gap_hand_case():
    # a: (1, 0.9), (3, 0.5) -> f_a(2) = 0.7, f_a(3) = 0.5; b: (2, 0.6), (3, 0.2) -> f_b(2) = 0.6, f_b(3) = 0.2
    levels = np.array([2.0, 3.0])
    gap = front_gap(np.array([1.0, 3.0]), np.array([0.9, 0.5]), np.array([2.0, 3.0]), np.array([0.6, 0.2]), levels)
    assert gap == pytest.approx(((0.7 - 0.6) + (0.5 - 0.2)) / 2)


def test_front_gap_interval_is_the_point_gap_with_bounds_around_it():
    a = [([1.0, 1.1, 0.9], [0.90, 0.92, 0.88]), ([3.0, 3.1, 2.9], [0.50, 0.52, 0.48])]
    b = [([2.0, 2.1, 1.9], [0.60, 0.61, 0.59]), ([3.0, 3.1, 2.9], [0.20, 0.22, 0.18])]
    interval, levels = front_gap_interval(a, b, n_levels=2)
    assert levels.tolist() == [2.0, 3.0]
    assert interval.estimate == pytest.approx(0.2)
    assert interval.low < 0.2 < interval.high and interval.low > 0  # a clear gap: the interval excludes 0


def test_an_anchor_is_a_fixed_point_of_both_fronts():
    # a: (1, 0.9); b: (0, 1.0); both end at the anchor (2, 0.5): levels 1, 1.5, 2
    a, b = [([1.0, 1.0], [0.9, 0.9])], [([0.0, 0.0], [1.0, 1.0])]
    interval, levels = front_gap_interval(a, b, n_levels=3, anchor=(2.0, 0.5))
    assert levels.tolist() == [1.0, 1.5, 2.0]
    # f_a: 0.9, 0.7, 0.5;  f_b (through (0, 1) and (2, 0.5)): 0.75, 0.625, 0.5
    assert interval.estimate == pytest.approx(((0.9 - 0.75) + (0.7 - 0.625) + 0.0) / 3)


def test_front_gap_interval_without_overlap_or_seeds_is_unbounded():
    interval, levels = front_gap_interval([([1.0, 1.2], [0.5, 0.6])], [([3.0, 3.2], [0.4, 0.5])])
    assert len(levels) == 0 and not np.isfinite(interval.low)
    interval, _ = front_gap_interval([([1.0], [0.5]), ([2.0], [0.4])], [([1.5], [0.3])])
    assert not np.isfinite(interval.low) and interval.estimate == pytest.approx(0.15)


def test_slopes():
    assert least_squares_slope(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0])) == pytest.approx(2.0)
    interval = slope_interval([-1.0, 0.0, 1.0], [[0.0, 0.1, -0.1], [-1.0, -0.9, -1.1], [-2.0, -2.1, -1.9]])
    assert interval.estimate == pytest.approx(-1.0) and interval.high < 0
    with pytest.raises(ValueError, match="two different levels"):
        slope_interval([1.0, 1.0], [[0.0, 0.1], [0.0, 0.2]])


@pytest.mark.parametrize("value, passed", [(0.59, 0), (0.6, 1), (0.75, 1), (0.9, 0)])
def test_gate_window_is_half_open(value, passed):
    gate = gate_metrics("base_reward", value, 0.6, 0.9)
    assert gate == {"base_reward": value, "base_reward_min": 0.6, "base_reward_max": 0.9, "base_reward_passed": passed}


def test_a_failed_gate_stops_the_stage_with_the_remedy(tmp_path):
    path = tmp_path / "base.json"
    path.write_text(json.dumps(gate_metrics("base_reward", 0.25, 0.6, 0.9)))
    with pytest.raises(GateFailed, match=r"base_reward failed: measured 0.250, required in \[0.6, 0.9\).*train longer"):
        require_gate(path, "base_reward", remedy="train longer")
    path.write_text(json.dumps(gate_metrics("base_reward", 0.7, 0.6, 0.9)))
    assert require_gate(path, "base_reward", remedy="") == 0.7
    with pytest.raises(GateFailed, match="missing"):
        require_gate(tmp_path / "none.json", "base_reward", remedy="")


def test_conditioned_class_probability_case_table():
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    # image 0 asked for class 0: 0.7; image 1 asked for class 0: 0.1, for class 2: 0.8
    assert conditioned_class_probability(logits, torch.tensor([0, 0])).tolist() == pytest.approx([0.7, 0.1])
    assert conditioned_class_probability(logits, torch.tensor([1, 2])).tolist() == pytest.approx([0.2, 0.8])
    with pytest.raises(ValueError, match="labels for"):
        conditioned_class_probability(logits, torch.tensor([0]))


def test_digit_reward_follows_trls_contract():
    from replication.models.digit_classifier import DigitClassifier

    torch.manual_seed(0)
    reward = ConditionedDigitReward(DigitClassifier(channels=4, feature_dim=8))
    images = torch.rand(3, 1, 8, 8) * 2 - 1
    values = reward(images, prompts=["3", "3", "7"])
    assert isinstance(values, list) and len(values) == 3 and all(0 <= v <= 1 for v in values)
    probabilities = reward.classifier(images).softmax(-1)
    assert values == pytest.approx([probabilities[0, 3].item(), probabilities[1, 3].item(), probabilities[2, 7].item()])
    assert digit_labels(["0", "9"]).tolist() == [0, 9]
    with pytest.raises(ValueError, match="digit prompts"):
        digit_labels(["a red cross"])
