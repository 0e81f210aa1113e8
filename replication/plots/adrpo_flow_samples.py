"""Sample grids of the ADRPO flow experiment's generators (shapes: RGB, digits: one channel), shown by the data,
base and figures notebooks."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from replication.plots.style import apply_theme


def image_grid_figure(images: dict[str, np.ndarray]) -> plt.Figure:
    """A row of captioned images (3, H, W) in [-1, 1]."""
    apply_theme()
    figure, axes = plt.subplots(1, len(images), figsize=(2.0 * len(images), 2.4), squeeze=False)
    for axis, (caption, image) in zip(axes[0], images.items()):
        axis.imshow(np.clip((np.transpose(np.asarray(image), (1, 2, 0)) + 1) / 2, 0, 1), interpolation="nearest")
        axis.set_title(caption.replace(" left", "\nleft").replace(" right", "\nright").replace(" above", "\nabove")
                       .replace(" below", "\nbelow"), fontsize=7)
        axis.axis("off")
    figure.tight_layout()
    return figure


def sample_grid_figure(samples: dict[str, torch.Tensor], row_prompts: list[str], columns: int) -> plt.Figure:
    """One mosaic per model: images (rows * columns, C, H, W) in [-1, 1], row r drawn for ``row_prompts[r]``."""
    apply_theme()
    figure, axes = plt.subplots(1, len(samples), figsize=(0.55 * columns * len(samples) + 2.5, 0.6 * len(row_prompts) + 0.8),
                                squeeze=False)
    for i, (axis, (title, images)) in enumerate(zip(axes[0], samples.items())):
        rows = len(row_prompts)
        channels, height, width = images.shape[1:]
        grid = images[: rows * columns].reshape(rows, columns, channels, height, width)
        mosaic = grid.permute(0, 3, 1, 4, 2).reshape(rows * height, columns * width, channels)
        pixels = ((mosaic + 1) / 2).clamp(0, 1).numpy()
        if channels == 1:  # digits: white ink on black, drawn as dark ink on white
            axis.imshow(pixels[..., 0], cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        else:
            axis.imshow(pixels, interpolation="nearest")
        axis.set_title(title, fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([height * (r + 0.5) for r in range(rows)])
        axis.set_yticklabels(row_prompts if i == 0 else [""] * rows, fontsize=7)
        axis.grid(False)
    figure.tight_layout()
    return figure
