"""A small CNN that reads a shapes image back into its labels: the tiny profile's stand-in for CLIP.

Heads: layout (horizontal / vertical), and per slot (0 = left/top, 1 = right/bottom) the colour and the shape.
Its object features (one vector per image half, concatenated) are the embedding the diversity metric measures
distances in. It is trained in its own
stage on ``replication.data.shapes`` images and saved with safetensors plus a JSON config.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from replication.data.shapes import COLOURS, LAYOUTS, SHAPES, ShapesDataset


@dataclass(frozen=True)
class ShapesClassifierConfig:
    image_size: int = 16
    channels: int = 16
    feature_dim: int = 32
    n_colours: int = len(COLOURS)
    n_shapes: int = len(SHAPES)
    n_layouts: int = len(LAYOUTS)


@dataclass
class ShapesLogits:
    layout: torch.Tensor  # (B, n_layouts)
    colour: torch.Tensor  # (B, 2, n_colours)
    shape: torch.Tensor  # (B, 2, n_shapes)
    features: torch.Tensor  # (B, 4 * feature_dim)


class ShapesClassifier(nn.Module):
    """Layout from the whole image; colour and shape per slot from a shared object encoder run on image halves.

    The encoder sees the left, right, top and bottom halves. Slot 0 is the left half in a horizontal layout and
    the top half in a vertical one, so a slot's distribution mixes the two candidate halves by the layout
    probability: ``p(colour_0 | x) = P(horizontal | x) p(colour | left) + P(vertical | x) p(colour | top)``, and
    likewise for slot 1 (right / bottom) and for shapes. The colour and shape "logits" returned are the log of
    these mixtures (valid logits: softmax gives the mixture back). Sharing one encoder across halves makes shape
    recognition a per-object problem, which a plain CNN learns far more slowly at 16 pixels.
    """

    def __init__(self, config: ShapesClassifierConfig):
        super().__init__()
        self.config = config
        c = config.channels
        self.encoder = nn.Sequential(
            nn.Conv2d(3, c, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(),
            nn.AdaptiveMaxPool2d(1), nn.Flatten(),  # (N, 2c): what is in the half, wherever it is
            nn.Linear(2 * c, config.feature_dim), nn.ReLU(),
        )
        self.colour_head = nn.Linear(config.feature_dim, config.n_colours)
        self.shape_head = nn.Linear(config.feature_dim, config.n_shapes)
        self.layout_head = nn.Sequential(
            nn.Conv2d(3, c, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(),
            nn.Linear(c * ((config.image_size + 1) // 2) ** 2, config.n_layouts),
        )

    def forward(self, images: torch.Tensor) -> ShapesLogits:
        """images: (B, 3, S, S) in [-1, 1]."""
        half = images.shape[-1] // 2
        crops = {
            "left": images[..., :, :half], "right": images[..., :, half:],
            "top": images[..., :half, :], "bottom": images[..., half:, :],
        }
        feats = {name: self.encoder(crop) for name, crop in crops.items()}  # each (B, F)
        layout = self.layout_head(images)  # (B, 2)
        log_h, log_v = layout.log_softmax(-1).unbind(-1)  # (B,), (B,)

        def slot(head, horizontal, vertical):  # log( P(h) p(.|horizontal half) + P(v) p(.|vertical half) )
            return torch.logaddexp(log_h[:, None] + head(feats[horizontal]).log_softmax(-1),
                                   log_v[:, None] + head(feats[vertical]).log_softmax(-1))  # (B, K)

        return ShapesLogits(
            layout=layout,
            colour=torch.stack([slot(self.colour_head, "left", "top"), slot(self.colour_head, "right", "bottom")], 1),
            shape=torch.stack([slot(self.shape_head, "left", "top"), slot(self.shape_head, "right", "bottom")], 1),
            features=torch.cat([feats[name] for name in ("left", "right", "top", "bottom")], dim=1),  # (B, 4F)
        )

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, path / "model.safetensors")
        (path / "config.json").write_text(json.dumps(asdict(self.config), indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> "ShapesClassifier":
        path = Path(path)
        model = cls(ShapesClassifierConfig(**json.loads((path / "config.json").read_text())))
        model.load_state_dict(load_file(path / "model.safetensors"))
        return model.eval()


def classifier_loss(logits: ShapesLogits, layout: torch.Tensor, colour: torch.Tensor, shape: torch.Tensor) -> torch.Tensor:
    """Sum of the cross-entropies of the five heads: layout (B,), colour (B, 2), shape (B, 2) targets."""
    return (
        F.cross_entropy(logits.layout, layout)
        + F.cross_entropy(logits.colour.flatten(0, 1), colour.flatten())
        + F.cross_entropy(logits.shape.flatten(0, 1), shape.flatten())
    )


def train_classifier(
    model: ShapesClassifier, data: ShapesDataset, *, epochs: int, batch_size: int, lr: float, generator: torch.Generator
) -> list[float]:
    """Adam on the five-head cross-entropy; returns the mean loss of each epoch."""
    images = torch.from_numpy(data.images)
    layout, colour, shape = (torch.from_numpy(a) for a in (data.layout, data.colour, data.shape))
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    history = []
    for _ in range(epochs):
        order = torch.randperm(len(data), generator=generator)
        total = 0.0
        for start in range(0, len(data), batch_size):
            idx = order[start:start + batch_size]
            loss = classifier_loss(model(images[idx]), layout[idx], colour[idx], shape[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        history.append(total / len(data))
    return history


@torch.no_grad()
def accuracy(model: ShapesClassifier, data: ShapesDataset) -> dict[str, float]:
    """Per-head accuracy and the share of images whose five labels are all right."""
    model.eval()
    out = model(torch.from_numpy(data.images))
    layout_ok = out.layout.argmax(-1) == torch.from_numpy(data.layout)  # (B,)
    colour_ok = out.colour.argmax(-1) == torch.from_numpy(data.colour)  # (B, 2)
    shape_ok = out.shape.argmax(-1) == torch.from_numpy(data.shape)  # (B, 2)
    return {
        "layout": layout_ok.float().mean().item(),
        "colour": colour_ok.float().mean().item(),
        "shape": shape_ok.float().mean().item(),
        "all": (layout_ok & colour_ok.all(1) & shape_ok.all(1)).float().mean().item(),
    }
