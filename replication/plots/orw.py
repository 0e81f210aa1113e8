"""Figures of the digits experiment (ORW-CFM-W2), drawn from the runs' per-step CSV files."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
import torch

from replication.plots.style import apply_theme

REWARD_OPTIMUM = 1.0  # P(even) of a confidently even digit


def load_runs(run_dirs: dict[tuple[float, int], Path]) -> pd.DataFrame:
    """Concatenate ``steps.csv`` of each (alpha, seed) run, tagged with its alpha and seed."""
    frames = []
    for (alpha, seed), run_dir in sorted(run_dirs.items()):
        path = Path(run_dir) / "steps.csv"
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: run the fine-tuning stage for alpha={alpha}, seed={seed}")
        frames.append(pd.read_csv(path).assign(alpha=alpha, seed=seed))
    return pd.concat(frames, ignore_index=True)


def reward_diversity_figure(runs: pd.DataFrame) -> plt.Figure:
    """Reward, class entropy, feature diversity and W2 vs step; one line per alpha, band = min..max over seeds."""
    apply_theme()
    panels = [
        ("reward", "mean reward P(even)"),
        ("class_entropy", "class-histogram entropy (nats)"),
        ("feature_diversity", "feature diversity"),
        ("w2", "W2 proxy to the base model"),
    ]
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4))
    data = runs.assign(alpha=runs["alpha"].map(lambda a: f"alpha = {a:g}"))
    for axis, (column, label) in zip(axes, panels):
        sns.lineplot(data=data, x="step", y=column, hue="alpha", errorbar=("pi", 100), ax=axis, legend=column == "reward")
        axis.set(ylabel=label, xlabel="fine-tuning step")
    axes[0].axhline(REWARD_OPTIMUM, color="black", linestyle="--", linewidth=1, label="optimum")
    axes[0].legend(loc="lower right", fontsize=8)
    figure.suptitle("ORW-CFM-W2 on digits: reward rises for every alpha; alpha > 0 is meant to keep diversity")
    figure.tight_layout()
    return figure


def sample_grid_figure(samples: dict[str, torch.Tensor], columns: int = 10) -> plt.Figure:
    """One mosaic per model: images (rows * columns, 1, H, W) in [-1, 1], column k conditioned on digit k."""
    apply_theme()
    figure, axes = plt.subplots(1, len(samples), figsize=(3.6 * len(samples), 2.2), squeeze=False)
    for axis, (title, images) in zip(axes[0], samples.items()):
        rows = images.shape[0] // columns
        height, width = images.shape[-2:]
        grid = images[: rows * columns, 0].reshape(rows, columns, height, width)
        mosaic = grid.permute(0, 2, 1, 3).reshape(rows * height, columns * width)
        axis.imshow(((mosaic + 1) / 2).clamp(0, 1).numpy(), cmap="gray_r", vmin=0, vmax=1)
        axis.set_title(title, fontsize=10)
        axis.axis("off")
    figure.tight_layout()
    return figure
