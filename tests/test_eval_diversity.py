"""Diversity metrics on hand-made batches."""

import math

import pytest
import torch

from replication.eval.diversity import class_histogram_entropy, mean_pairwise_distance


def test_entropy_of_collapsed_batch_is_zero():
    probabilities = torch.tensor([[0.1, 0.9], [0.2, 0.8], [0.4, 0.6]])
    entropy = class_histogram_entropy(probabilities).item()
    assert entropy == 0.0 and str(entropy) == "0.0"  # not -0.0 in the logs


def test_entropy_of_even_spread_over_four_classes_is_log_four():
    probabilities = torch.eye(4).repeat(3, 1)  # 12 samples, 3 of each class
    assert class_histogram_entropy(probabilities).item() == pytest.approx(math.log(4))


def test_entropy_of_uneven_histogram_by_hand():
    probabilities = torch.eye(3)[[0, 0, 0, 1]]  # histogram 3/4, 1/4, 0
    expected = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert class_histogram_entropy(probabilities).item() == pytest.approx(expected)


def test_mean_pairwise_distance_by_hand():
    points = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 4.0]])
    # pairs: 5, 4, 3 -> mean 4
    assert mean_pairwise_distance(points).item() == pytest.approx(4.0)


def test_mean_pairwise_distance_of_copies_is_zero_and_needs_two_samples():
    assert mean_pairwise_distance(torch.ones(5, 3)).item() == 0.0
    with pytest.raises(ValueError, match="at least 2"):
        mean_pairwise_distance(torch.ones(1, 3))
