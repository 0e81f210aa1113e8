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
