"""Diversity per prompt: how different the samples a model draws for the same prompt are."""

from __future__ import annotations

import torch

from replication.eval.diversity import mean_pairwise_distance


def per_prompt_diversity(embeddings: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """Mean over prompts of the mean pairwise Euclidean distance between embeddings of that prompt's samples.

        Div = (1 / |C|) * sum_{c in C} 2 / (K_c (K_c - 1)) * sum_{i < j, g_i = g_j = c} || e_i - e_j ||_2

    ``embeddings``: (B, D) (classifier features on the tiny profile, CLIP image embeddings on the paper one);
    ``groups``: (B,) prompt ids. Prompts with a single sample are skipped; at least one prompt needs two.
    Diversity *across* prompts is left out on purpose: a model that draws one image per prompt would score high.
    """
    values = []
    for g in torch.unique(groups):
        members = embeddings[groups == g]  # (K_c, D)
        if members.shape[0] >= 2:
            values.append(mean_pairwise_distance(members))
    if not values:
        raise ValueError("per_prompt_diversity needs at least one prompt with two or more samples")
    return torch.stack(values).mean()
