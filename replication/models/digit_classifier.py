"""The reward model of the digits experiment: a small convolutional classifier (diffusers ModelMixin for
``save_pretrained``/``from_pretrained``). Its penultimate features also serve the diversity metric."""

from __future__ import annotations

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from replication.pipeline.progress import progress


class QuadrantPool(nn.Module):
    """Average over each quarter of the image: (B, C, H, W) -> (B, C, 2, 2), H and W even.

    nn.AdaptiveAvgPool2d does the same, but its CUDA backward has no deterministic kernel; a reshape and a mean do.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        return x.reshape(b, c, 2, h // 2, 2, w // 2).mean(dim=(3, 5))


class DigitClassifier(ModelMixin, ConfigMixin):
    @register_to_config
    def __init__(self, channels: int = 32, feature_dim: int = 64, num_classes: int = 10):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1), nn.SiLU(),
            nn.Conv2d(channels, 2 * channels, 3, padding=1, stride=2), nn.SiLU(),
            QuadrantPool(), nn.Flatten(),  # works for 8x8 and 28x28 inputs alike
            nn.Linear(8 * channels, feature_dim), nn.SiLU(),
        )
        self.head = nn.Linear(feature_dim, num_classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)  # (B, feature_dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))  # (B, num_classes) logits


def train_digit_classifier(
    model: DigitClassifier,
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
    log=None,
    device: torch.device | str = "cpu",
) -> DigitClassifier:
    """Plain cross-entropy training with light shift augmentation (so that generated, slightly off-centre
    digits are still judged by shape). ``log``: an optional MetricsLog receiving one row per epoch."""
    model.to(device)
    images, labels = images.to(device), labels.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for epoch in progress(range(epochs), desc="classifier"):
        order = torch.randperm(len(labels), generator=generator)
        total, seen = 0.0, 0
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size].to(device)
            shifts = torch.randint(-1, 2, (2,), generator=generator).tolist()
            batch = torch.roll(images[index], shifts=shifts, dims=(2, 3))
            loss = nn.functional.cross_entropy(model(batch), labels[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, seen = total + loss.item() * len(index), seen + len(index)
        if log is not None:
            log.log(epoch=epoch + 1, loss=total / seen)
    return model.eval()


@torch.no_grad()
def accuracy(model: DigitClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    device = next(model.parameters()).device
    return (model(images.to(device)).argmax(dim=1).cpu() == labels).double().mean().item()
