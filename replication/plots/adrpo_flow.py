"""Figures of the ADRPO flow experiment, drawn from the runs' ``steps.csv`` and ``final.json`` files."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch

from replication.plots.style import apply_theme

METHOD_NAMES = {"adrpo": "ADRPO", "fixed_beta": "fixed beta", "orw": "ORW-CFM-W2", "dpo": "DPO"}
COEFFICIENT_SYMBOL = {"adrpo": "beta0", "fixed_beta": "beta0", "orw": "alpha", "dpo": "beta"}
SPLIT_NAMES = {"train": "RL prompts", "heldout": "held-out prompts"}


def run_label(method: str, value: float) -> str:
    return f"{METHOD_NAMES[method]} {COEFFICIENT_SYMBOL[method]}={value:g}"


def load_runs(run_dirs: dict[tuple[str, float, int], Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-refresh rows of every run, one final-evaluation row per run), tagged with method, value, seed, label."""
    steps, finals = [], []
    for (method, value, seed), run_dir in sorted(run_dirs.items()):
        for name in ("steps.csv", "final.json"):
            if not (Path(run_dir) / name).is_file():
                raise FileNotFoundError(f"{Path(run_dir) / name} missing: run the fine-tuning stage of {method} {value} seed {seed}")
        tags = {"method": method, "value": value, "seed": seed, "run": run_label(method, value)}
        steps.append(pd.read_csv(Path(run_dir) / "steps.csv").assign(**tags))
        final = json.loads((Path(run_dir) / "final.json").read_text())
        finals.append({**final, **tags})
    return pd.concat(steps, ignore_index=True), pd.DataFrame(finals)


def pareto_front(reward: np.ndarray, diversity: np.ndarray) -> np.ndarray:
    """Boolean mask of the points no other point beats in both reward and diversity (maximising both).

    Point i is dominated when some j has reward_j >= reward_i and diversity_j >= diversity_i, one of them strictly.
    """
    reward, diversity = np.asarray(reward, float), np.asarray(diversity, float)
    geq = (reward[None, :] >= reward[:, None]) & (diversity[None, :] >= diversity[:, None])  # [i, j]: j >= i
    strict = (reward[None, :] > reward[:, None]) | (diversity[None, :] > diversity[:, None])
    return ~(geq & strict).any(axis=1)


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
    """One mosaic per model: images (rows * columns, 3, H, W) in [-1, 1], row r drawn for ``row_prompts[r]``."""
    apply_theme()
    figure, axes = plt.subplots(1, len(samples), figsize=(0.55 * columns * len(samples) + 2.5, 0.6 * len(row_prompts) + 0.8),
                                squeeze=False)
    for i, (axis, (title, images)) in enumerate(zip(axes[0], samples.items())):
        rows = len(row_prompts)
        channels, height, width = images.shape[1:]
        grid = images[: rows * columns].reshape(rows, columns, channels, height, width)
        mosaic = grid.permute(0, 3, 1, 4, 2).reshape(rows * height, columns * width, channels)
        axis.imshow(((mosaic + 1) / 2).clamp(0, 1).numpy(), interpolation="nearest")
        axis.set_title(title, fontsize=9)
        axis.set_xticks([])
        axis.set_yticks([height * (r + 0.5) for r in range(rows)])
        axis.set_yticklabels(row_prompts if i == 0 else [""] * rows, fontsize=7)
        axis.grid(False)
    figure.tight_layout()
    return figure


def reward_diversity_figure(steps: pd.DataFrame, base: dict[str, float]) -> plt.Figure:
    """ADRPO Fig. 1 layout: trajectory scatter reward vs diversity, reward curve, diversity curve (band over seeds)."""
    apply_theme()
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    mean = steps.groupby(["run", "step"], as_index=False)[["reward", "diversity", "w2"]].mean()
    sns.scatterplot(data=mean, x="diversity", y="reward", hue="run", size="step", sizes=(10, 80), ax=axes[0], legend=False)
    for _, run in mean.groupby("run"):
        axes[0].plot(run["diversity"], run["reward"], linewidth=0.6, alpha=0.5, color="grey")
    axes[0].scatter([base["diversity"]], [base["reward"]], marker="*", s=200, color="black", label="pre-trained", zorder=5)
    axes[0].set(xlabel="diversity (same-prompt feature distance)", ylabel="reward (prompt agreement)",
                title="training trajectories (points: refreshes)")
    axes[0].legend(loc="best", fontsize=8)
    for axis, column, label in ((axes[1], "reward", "reward"), (axes[2], "diversity", "diversity")):
        sns.lineplot(data=steps, x="step", y=column, hue="run", errorbar=("pi", 100), ax=axis, legend=column == "reward")
        axis.axhline(base[column], color="black", linestyle="--", linewidth=1)
        axis.set(xlabel="fine-tuning step", ylabel=f"{label} (pool of RL prompts)", title=f"{label} (dashed: pre-trained)")
    axes[1].legend(fontsize=7, loc="best")
    figure.suptitle("Reward vs diversity on captioned shapes (ADRPO Fig. 1 at toy scale)")
    figure.tight_layout()
    return figure


def reward_w2_figure(steps: pd.DataFrame, finals: pd.DataFrame, split: str = "train") -> plt.Figure:
    """ADRPO Fig. 2 layout: scatter reward vs W2 (trajectories), final reward bars, final W2 bars (mean, seeds as dots)."""
    apply_theme()
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    mean = steps[steps["step"] > 0].groupby(["run", "step"], as_index=False)[["reward", "w2"]].mean()
    sns.scatterplot(data=mean, x="w2", y="reward", hue="run", ax=axes[0], legend=False)
    axes[0].set(xscale="log", xlabel="W2 proxy (mean ||v_theta - v_ref||^2 on sampling paths)",
                ylabel="reward", title="training trajectories")
    order = sorted(finals["run"].unique())
    for axis, column, label in ((axes[1], f"{split}_reward", "final reward"), (axes[2], f"{split}_w2", "final W2")):
        sns.barplot(data=finals, x="run", y=column, order=order, errorbar=None, ax=axis, alpha=0.8)
        sns.stripplot(data=finals, x="run", y=column, order=order, color="black", size=4, ax=axis)
        axis.set(xlabel="", ylabel=f"{label} ({SPLIT_NAMES[split]})")
        axis.tick_params(axis="x", rotation=60, labelsize=7)
    axes[2].set_yscale("log")  # W2 spans orders of magnitude across methods
    figure.suptitle("Reward vs W2 divergence from the pre-trained model (ADRPO Fig. 2 at toy scale)")
    figure.tight_layout()
    return figure


def pareto_figure(summary: pd.DataFrame, base: dict[str, float], split: str) -> plt.Figure:
    """Final reward vs final diversity per configuration (seed mean), the Pareto front across all of them drawn."""
    apply_theme()
    figure, axis = plt.subplots(figsize=(6.5, 4.8))
    data = summary.assign(method_name=summary["method"].map(METHOD_NAMES))
    sns.scatterplot(data=data, x=f"{split}_diversity", y=f"{split}_reward", hue="method_name", style="method_name",
                    s=90, ax=axis)
    for _, row in data.iterrows():
        axis.annotate(f"{row['value']:g}", (row[f"{split}_diversity"], row[f"{split}_reward"]), fontsize=7,
                      xytext=(3, 3), textcoords="offset points")
    front = data[pareto_front(data[f"{split}_reward"], data[f"{split}_diversity"])].sort_values(f"{split}_diversity")
    axis.plot(front[f"{split}_diversity"], front[f"{split}_reward"], color="black", linewidth=1, label="Pareto front")
    axis.scatter([base[f"{split}_diversity"]], [base[f"{split}_reward"]], marker="*", s=200, color="black",
                 label="pre-trained")
    axis.set(xlabel=f"final diversity ({SPLIT_NAMES[split]})", ylabel=f"final reward ({SPLIT_NAMES[split]})",
             title="Reward-diversity Pareto front across the sweeps (labels: coefficient)")
    axis.legend(fontsize=8)
    figure.tight_layout()
    return figure
