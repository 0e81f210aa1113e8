"""The MNIST reward of ORW-CFM-W2: the classifier's probability that an image shows an even digit."""

from __future__ import annotations

import torch

from replication.models.digit_classifier import DigitClassifier

EVEN_DIGITS = (0, 2, 4, 6, 8)


class EvenDigitReward:
    """r(x) = sum_{k even} softmax(f(x))_k, in [0, 1]; the optimum, 1, is reached by any confident even digit."""

    def __init__(self, classifier: DigitClassifier):
        self.classifier = classifier.eval().requires_grad_(False)

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        probabilities = self.classifier(images.float()).softmax(dim=1)  # (B, 10)
        return probabilities[:, list(EVEN_DIGITS)].sum(dim=1)  # (B,)
