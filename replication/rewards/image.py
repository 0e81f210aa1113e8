"""Prompt-image agreement rewards, in TRL's contract ``f(completions, prompts=..., **kwargs) -> list[float]``.

Here a completion is an image: a (3, H, W) tensor in [-1, 1] (a list of them, or one (B, 3, H, W) tensor).

- ``ShapesAgreementReward`` (tiny profile): the probability, read by the trained shapes classifier, that the image
  shows the prompt's layout, colours and shapes. The stand-in for attribute-binding rewards and CLIPScore.
- ``CLIPScoreReward`` (paper profile): CLIPScore x 100 with transformers' ``CLIPModel``, the scale ADRPO reports.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import CLIPModel, CLIPProcessor

from replication.data.shapes import Scene, parse_caption
from replication.models.shapes_classifier import ShapesClassifier, ShapesLogits


def _as_batch(completions) -> torch.Tensor:
    images = completions if isinstance(completions, torch.Tensor) else torch.stack(list(completions))
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"expected images (B, 3, H, W) or a list of (3, H, W), got shape {tuple(images.shape)}")
    return images


def prompt_agreement(logits: ShapesLogits, scenes: list[Scene]) -> torch.Tensor:
    """R(x, c) = [ P(layout_c | x) * prod_{s in {0, 1}} P(colour_{c,s} | x) * P(shape_{c,s} | x) ]^(1/5).

    The bracket is the probability that the image shows everything the prompt asks for (its layout, i.e. the
    relation's axis, and the colour and shape in each slot, the slot order fixing the relation's direction),
    treating the classifier's five heads as independent; R is its per-attribute geometric mean. The root keeps
    the ordering of the joint probability (so the best sample of a prompt stays the best) but not its
    all-or-nothing scale: an image with four of five attributes right and one wrong at p = 0.01 scores
    0.01^(1/5) = 0.40 instead of 0.01, which gives group advantages something to compare. In [0, 1]; 1 only
    when every head is certain and right. Returns (B,).
    """
    if len(scenes) != logits.layout.shape[0]:
        raise ValueError(f"{len(scenes)} prompts for {logits.layout.shape[0]} images")
    device = logits.layout.device
    layout = torch.tensor([s.layout for s in scenes], device=device)  # (B,)
    colour = torch.tensor([[s.first[0], s.second[0]] for s in scenes], device=device)  # (B, 2)
    shape = torch.tensor([[s.first[1], s.second[1]] for s in scenes], device=device)  # (B, 2)
    log_p = (
        logits.layout.log_softmax(-1).gather(1, layout[:, None]).squeeze(1)  # (B,)
        + logits.colour.log_softmax(-1).gather(2, colour[..., None]).squeeze(2).sum(1)  # (B,)
        + logits.shape.log_softmax(-1).gather(2, shape[..., None]).squeeze(2).sum(1)  # (B,)
    )
    return (log_p / 5.0).exp()  # five attributes: layout, two colours, two shapes


class ShapesAgreementReward:
    """Prompt-image agreement through the shapes classifier; picklable (it holds the module, not a closure).

    >>> reward = ShapesAgreementReward(classifier)                          # doctest: +SKIP
    >>> reward(images, prompts=["a red circle left of a blue square"] * 2)  # doctest: +SKIP
    [0.93, 0.02]
    """

    def __init__(self, classifier: ShapesClassifier):
        self.classifier = classifier.eval()

    @classmethod
    def from_path(cls, path: str | Path) -> "ShapesAgreementReward":
        return cls(ShapesClassifier.load(path))

    @torch.no_grad()
    def scores(self, images: torch.Tensor, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """(rewards (B,), classifier features (B, F)): one forward pass for the reward and the diversity metric."""
        logits = self.classifier(_as_batch(images))
        return prompt_agreement(logits, [parse_caption(p) for p in prompts]), logits.features

    def __call__(self, completions, prompts: list[str], **kwargs) -> list[float]:
        return self.scores(completions, prompts)[0].tolist()


def clip_score(image_embeds: torch.Tensor, text_embeds: torch.Tensor) -> torch.Tensor:
    """CLIPScore x 100 = 100 * max(cos(E_image, E_text), 0), per pair (B,).

    Hessel et al. 2021 (arXiv 2104.08718) define CLIP-S = w * max(cos, 0) with w = 2.5; ADRPO reports rewards near
    30, i.e. w = 100 as in torchmetrics' CLIPScore, which is the scale used here.
    """
    return 100.0 * F.cosine_similarity(image_embeds, text_embeds, dim=-1).clamp(min=0.0)


class CLIPScoreReward:
    """CLIPScore of images against their prompts with a transformers ``CLIPModel`` (hub id or local folder)."""

    def __init__(self, model: CLIPModel, processor: CLIPProcessor):
        self.model = model.eval()
        self.processor = processor

    @classmethod
    def from_pretrained(cls, model_id_or_path: str | Path) -> "CLIPScoreReward":
        return cls(CLIPModel.from_pretrained(model_id_or_path), CLIPProcessor.from_pretrained(model_id_or_path))

    @torch.no_grad()
    def image_embeddings(self, images: torch.Tensor) -> torch.Tensor:
        """(B, D) CLIP image embeddings (projected, not normalised): also the paper profile's diversity embedding."""
        pixels = (_as_batch(images).float().clamp(-1, 1).cpu() + 1.0) / 2.0  # the processor expects [0, 1] here
        inputs = self.processor(images=list(pixels), return_tensors="pt", do_rescale=False)
        # transformers 5 returns a model output whose pooler_output is the projected embedding
        return self.model.get_image_features(pixel_values=inputs.pixel_values.to(self.model.device)).pooler_output

    @torch.no_grad()
    def text_embeddings(self, prompts: list[str]) -> torch.Tensor:
        inputs = self.processor(text=prompts, return_tensors="pt", padding=True, truncation=True).to(self.model.device)
        return self.model.get_text_features(input_ids=inputs.input_ids, attention_mask=inputs.attention_mask).pooler_output

    @torch.no_grad()
    def scores(self, images: torch.Tensor, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        image_embeds = self.image_embeddings(images)
        return clip_score(image_embeds, self.text_embeddings(prompts)), image_embeds

    def __call__(self, completions, prompts: list[str], **kwargs) -> list[float]:
        return self.scores(completions, prompts)[0].tolist()
