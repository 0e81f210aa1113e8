"""The digits testbed's reward: does the image show the digit it was asked for? TRL's contract
``f(completions, prompts=..., **kwargs) -> list[float]``, a completion being a (1, H, W) image in [-1, 1] and its
prompt the digit's name ("0" ... "9", the class the generator was conditioned on).
"""

from __future__ import annotations

import torch

from replication.models.digit_classifier import DigitClassifier

DIGIT_PROMPTS = [str(digit) for digit in range(10)]


def conditioned_class_probability(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """R(x, c) = softmax(f(x))_c: the classifier's probability of the conditioned class c.

    The digits analogue of CLIPScore's prompt alignment: in [0, 1], 1 only for an image the classifier is sure
    shows c. ``logits``: (B, 10); ``labels``: (B,) int. Returns (B,).
    """
    if logits.shape[0] != labels.shape[0]:
        raise ValueError(f"{labels.shape[0]} labels for {logits.shape[0]} images")
    return logits.softmax(dim=-1).gather(1, labels.long()[:, None]).squeeze(1)


def digit_labels(prompts: list[str]) -> torch.Tensor:
    """["3", "7"] -> tensor([3, 7]); anything but a digit's name is refused."""
    bad = [p for p in prompts if p not in DIGIT_PROMPTS]
    if bad:
        raise ValueError(f"digit prompts are the names {DIGIT_PROMPTS}, got {bad[:3]}")
    return torch.tensor([int(p) for p in prompts])


class ConditionedDigitReward:
    """P(asked digit | image) through ORW-CFM-W2's digit classifier; picklable (it holds the module).

    >>> reward = ConditionedDigitReward(classifier)          # doctest: +SKIP
    >>> reward(images, prompts=["3", "8"])                    # doctest: +SKIP
    [0.91, 0.42]
    """

    def __init__(self, classifier: DigitClassifier):
        self.classifier = classifier.eval().requires_grad_(False)

    @torch.no_grad()
    def scores(self, images: torch.Tensor, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """(rewards (B,), classifier features (B, F)): the reward and the diversity embedding in one pass."""
        images = images.float()
        features = self.classifier.features(images)  # (B, F)
        logits = self.classifier.head(features)  # (B, 10)
        return conditioned_class_probability(logits, digit_labels(prompts).to(logits.device)), features

    def __call__(self, completions, prompts: list[str], **kwargs) -> list[float]:
        images = completions if isinstance(completions, torch.Tensor) else torch.stack(list(completions))
        return self.scores(images, prompts)[0].tolist()
