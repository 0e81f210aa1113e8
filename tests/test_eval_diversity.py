"""Diversity metrics on hand-made batches."""

import math

import pytest
import torch

from replication.eval.diversity import (
    class_histogram_entropy,
    mean_pairwise_distance,
    restricted_class_entropy,
    within_class_diversity,
)


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


EVEN = (0, 2, 4, 6, 8)


@pytest.mark.parametrize(
    ("predicted", "expected"),
    [
        ([0, 2, 4, 6, 8] * 2, math.log(5)),  # every even digit equally: the maximum
        ([8, 8, 8, 1, 3, 5], 0.0),  # one even digit left, whatever the odd ones do
        ([0, 0, 2, 1, 1, 1, 1], -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))),  # odd samples do not count
        ([1, 3, 5], 0.0),  # no even sample at all
    ],
)
def test_even_class_entropy_case_table(predicted, expected):
    probabilities = torch.eye(10)[predicted]
    assert restricted_class_entropy(probabilities, EVEN).item() == pytest.approx(expected, abs=1e-12)


def test_within_class_diversity_by_hand():
    embeddings = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0], [0.0, 2.0], [0.0, 4.0], [9.0, 9.0]])
    predicted = torch.tensor([0, 0, 1, 1, 1, 2])
    # class 0: one pair at 5 -> 5; class 1: pairs 2, 4, 2 -> 8/3; class 2: a single sample, left out
    expected = (2 * 5.0 + 3 * 8 / 3) / 5
    assert within_class_diversity(embeddings, predicted).item() == pytest.approx(expected)


def test_within_class_diversity_sees_copies_that_the_histogram_cannot():
    copies = torch.tensor([[1.0, 2.0]] * 3 + [[5.0, 0.0]] * 3)  # two classes, each three copies of one image
    predicted = torch.tensor([0, 0, 0, 1, 1, 1])
    assert within_class_diversity(copies, predicted).item() == 0.0
    assert class_histogram_entropy(torch.eye(2)[predicted]).item() == pytest.approx(math.log(2))
    assert within_class_diversity(copies[:2], torch.tensor([0, 1])).item() == 0.0  # no class with a pair
