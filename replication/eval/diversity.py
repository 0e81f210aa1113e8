"""Diversity of a batch of samples, measured through a classifier (or any embedding)."""

from __future__ import annotations

import torch


def class_histogram_entropy(probabilities: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of the batch's predicted-class histogram.

        H = - sum_k p_k log p_k,   p_k = (1/N) * #{i : argmax_j P_ij = k}

    ``probabilities``: (N, K). Mode collapse onto one class gives 0; a uniform spread over K classes gives log K.
    It sees only which classes appear, so ``mean_pairwise_distance`` complements it within a class.
    """
    counts = torch.bincount(probabilities.argmax(dim=1), minlength=probabilities.shape[1]).double()  # (K,)
    p = counts / counts.sum()
    p = p[p > 0]
    return 0.0 - (p * p.log()).sum()  # 0.0 - x, not -x: a collapsed batch gives 0.0, never -0.0


def mean_pairwise_distance(embeddings: torch.Tensor) -> torch.Tensor:
    """Mean Euclidean distance between all pairs of distinct samples.

        D = 2 / (N (N - 1)) * sum_{i < j} || e_i - e_j ||_2

    ``embeddings``: (N, D), N >= 2. Copies of one image give 0.
    """
    n = embeddings.shape[0]
    if n < 2:
        raise ValueError(f"mean_pairwise_distance needs at least 2 samples, got {n}")
    distances = torch.cdist(embeddings.double(), embeddings.double())  # (N, N), zero diagonal
    return distances.sum() / (n * (n - 1))


def restricted_class_entropy(probabilities: torch.Tensor, classes: list[int] | tuple[int, ...]) -> torch.Tensor:
    """Entropy (nats) of the predicted-class histogram among the samples predicted as one of ``classes``.

        H_S = - sum_{k in S} q_k log q_k,   q_k = #{i : argmax_j P_ij = k} / #{i : argmax_j P_ij in S}

    ``probabilities``: (N, K). With S the five even digits, H_S is log 5 = 1.61 when every even digit appears
    equally and 0 when one even digit is all that is left: the collapse ORW-CFM-W2 describes, read off the even
    samples alone (the odd ones, which the reward removes anyway, do not count). No sample in S gives 0.
    """
    predicted = probabilities.argmax(dim=1)  # (N,)
    inside = torch.isin(predicted, torch.tensor(classes, device=predicted.device))  # (N,)
    if not inside.any():
        return torch.zeros((), dtype=torch.float64)
    return class_histogram_entropy(probabilities[inside][:, list(classes)])


def within_class_diversity(embeddings: torch.Tensor, predicted: torch.Tensor) -> torch.Tensor:
    """Variety inside a class: the mean pairwise distance of the samples of each predicted class, averaged over the
    classes with weights n_k (their sample counts).

        D_within = sum_k n_k D_k / sum_k n_k,   D_k = mean_pairwise_distance(e_i : predicted_i = k)

    ``embeddings``: (N, D), ``predicted``: (N,) class indices. Classes with fewer than two samples have no pairs and
    are left out; when none has two, the result is 0. Copies of one image per class give 0 even when the class
    histogram looks healthy (what ``class_histogram_entropy`` cannot see).
    """
    classes, counts = torch.unique(predicted, return_counts=True)
    total, weight = torch.zeros((), dtype=torch.float64), 0
    for k, n in zip(classes.tolist(), counts.tolist()):
        if n >= 2:
            total = total + n * mean_pairwise_distance(embeddings[predicted == k])
            weight += n
    return total / weight if weight else total
