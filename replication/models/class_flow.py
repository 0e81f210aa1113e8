"""Class-conditioned flow-matching generator built on diffusers' ``SD3Transformer2DModel``.

SD3 conditions on a pooled text vector (added to the timestep embedding) and on a sequence of text tokens (joint
attention). Here a learned label embedding plays both parts: it is the pooled projection and a one-token
"caption". Velocity convention is diffusers': x_sigma = (1 - sigma) x + sigma * noise, v = noise - x,
timestep = 1000 * sigma.

With ``null_class=True`` the embedding has one more row, label ``null_label`` (= ``num_classes``): "no label". A model
trained with some labels replaced by it (classifier-free-guidance style condition dropout) is at once class-conditioned
(labels 0..9) and unconditional (``null_label``): ORW-CFM-W2's even-digit task fine-tunes the unconditional part, where
the model chooses the digit itself.
"""

from __future__ import annotations

import torch
from diffusers import SD3Transformer2DModel
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn


class ClassConditionedFlow(ModelMixin, ConfigMixin):
    @register_to_config
    def __init__(
        self,
        sample_size: int = 8,
        in_channels: int = 1,
        num_classes: int = 10,
        patch_size: int = 2,
        num_layers: int = 2,
        num_attention_heads: int = 2,
        attention_head_dim: int = 32,
        null_class: bool = False,
    ):
        super().__init__()
        width = num_attention_heads * attention_head_dim
        self.label_embedding = nn.Embedding(num_classes + int(null_class), width)
        self.transformer = SD3Transformer2DModel(
            sample_size=sample_size,
            patch_size=patch_size,
            in_channels=in_channels,
            out_channels=in_channels,
            num_layers=num_layers,
            attention_head_dim=attention_head_dim,
            num_attention_heads=num_attention_heads,
            joint_attention_dim=width,
            caption_projection_dim=width,
            pooled_projection_dim=width,
            pos_embed_max_size=sample_size // patch_size,
        )

    @property
    def null_label(self) -> int:
        """The "no label" index (unconditional generation); only models built with ``null_class=True`` have one."""
        if not self.config.null_class:
            raise ValueError("this ClassConditionedFlow has no null class; build it with null_class=True")
        return self.config.num_classes

    def forward(self, x_sigma: torch.Tensor, sigma: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Velocity v(x_sigma, sigma, label): x_sigma (B, C, H, W), sigma (B,) in [0, 1], labels (B,)."""
        label = self.label_embedding(labels)  # (B, width)
        return self.transformer(
            hidden_states=x_sigma,
            encoder_hidden_states=label.unsqueeze(1),  # (B, 1, width): a one-token caption
            pooled_projections=label,
            timestep=sigma * 1000.0,
            return_dict=False,
        )[0]  # (B, C, H, W)
