"""Figures of the digits experiment (ORW-CFM-W2), drawn from the runs' files (per-step CSVs, final metrics)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch

from replication.eval.stats import mean_interval
from replication.plots.style import apply_theme

REWARD_OPTIMUM = 1.0  # P(even) of a confidently even digit
LOG5 = float(np.log(5.0))  # even-class entropy when all five even digits appear equally
PANELS = [  # (column, axis label) of the curves, in the order drawn
    ("reward", "mean reward P(even)"),
    ("even_class_entropy", "even-digit entropy (nats, max log 5)"),
    ("within_class_diversity", "within-class feature diversity"),
    ("w2", "W2 proxy to the base model"),
]


def load_runs(run_dirs: dict[tuple[float, int], Path]) -> pd.DataFrame:
    """Concatenate ``steps.csv`` of each (alpha, seed) run, tagged with its alpha and seed."""
    frames = []
    for (alpha, seed), run_dir in sorted(run_dirs.items()):
        path = Path(run_dir) / "steps.csv"
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: run the fine-tuning stage for alpha={alpha}, seed={seed}")
        frames.append(pd.read_csv(path).assign(alpha=alpha, seed=seed))
    return pd.concat(frames, ignore_index=True)


def load_finals(run_dirs: dict[tuple[float, int], Path]) -> pd.DataFrame:
    """One row per run: its ``final.json`` (the evaluation on ``evaluation.samples`` fresh samples)."""
    rows = []
    for (alpha, seed), run_dir in sorted(run_dirs.items()):
        path = Path(run_dir) / "final.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: run the fine-tuning stage for alpha={alpha}, seed={seed}")
        rows.append({"alpha": alpha, "seed": seed, **json.loads(path.read_text())})
    return pd.DataFrame(rows)


def seed_bands(runs: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Mean over seeds with its 95% bootstrap interval (``stats.mean_interval``) per alpha, step and column."""
    rows = []
    for (alpha, step), group in runs.groupby(["alpha", "step"]):
        for column in columns:
            values = group[column].dropna()
            if len(values):
                interval = mean_interval(values.tolist())
                rows.append({"alpha": alpha, "step": step, "column": column, "mean": interval.estimate,
                             "low": interval.low, "high": interval.high})
    return pd.DataFrame(rows)


def alpha_colours(alphas) -> dict[float, tuple]:
    return dict(zip(sorted(alphas), sns.color_palette("viridis", len(alphas))))


CONTROL_LABEL = "no reward (alpha = 0, tau = 0)"
CONTROL_COLOUR = "grey"


def _band(axis, band: pd.DataFrame, colour, label: str, linestyle: str = "-") -> None:
    axis.plot(band["step"], band["mean"], color=colour, label=label, linestyle=linestyle)
    finite = np.isfinite(band["low"]) & np.isfinite(band["high"])
    axis.fill_between(band["step"][finite], band["low"][finite], band["high"][finite], color=colour, alpha=0.2,
                      linewidth=0)


def reward_diversity_figure(runs: pd.DataFrame, labels: dict[float, str], control: pd.DataFrame | None = None
                            ) -> plt.Figure:
    """Reward, even-digit entropy, within-class diversity and W2 vs step: per alpha the mean over seeds and its 95%
    interval as a band (no band with a single seed). ``labels``: the legend entry of each alpha; ``control``: the
    reward-free runs' steps, drawn dashed in grey."""
    apply_theme()
    columns = [column for column, _ in PANELS]
    bands = seed_bands(runs, columns)
    control_bands = seed_bands(control, columns) if control is not None else None
    colours = alpha_colours(runs["alpha"].unique())
    figure, axes = plt.subplots(1, len(PANELS), figsize=(4.3 * len(PANELS), 3.6))
    for axis, (column, label) in zip(axes, PANELS):
        for alpha, band in bands[bands["column"] == column].groupby("alpha"):
            _band(axis, band, colours[alpha], labels[alpha])
        if control_bands is not None:
            _band(axis, control_bands[control_bands["column"] == column], CONTROL_COLOUR, CONTROL_LABEL, "--")
        axis.set(ylabel=label, xlabel="fine-tuning step")
    axes[0].axhline(REWARD_OPTIMUM, color="black", linestyle="--", linewidth=1)
    axes[1].axhline(LOG5, color="grey", linestyle=":", linewidth=1)
    axes[-1].legend(loc="upper left", fontsize=7)
    seeds = runs["seed"].nunique()
    figure.suptitle(f"ORW-CFM-W2 on digits: mean over {seeds} seeds, band = 95% interval of the mean "
                    f"(curves measured on each refresh's pool)")
    figure.tight_layout()
    return figure


def mosaic(images: torch.Tensor, columns: int, gap: int = 1) -> np.ndarray:
    """(rows * columns, 1, H, W) images in [-1, 1] -> one (rows (H + gap) - gap, columns (W + gap) - gap) array in
    [0, 1], ink dark, with ``gap`` white pixels between digits."""
    rows = images.shape[0] // columns
    height, width = images.shape[-2:]
    canvas = np.zeros((rows * (height + gap) - gap, columns * (width + gap) - gap))
    ink = ((images[: rows * columns, 0] + 1) / 2).clamp(0, 1).numpy()
    for index in range(rows * columns):
        r, c = divmod(index, columns)
        canvas[r * (height + gap): r * (height + gap) + height, c * (width + gap): c * (width + gap) + width] = ink[index]
    return canvas


def sample_grid_figure(samples: dict[str, torch.Tensor], columns: int = 10, panels_per_row: int = 3,
                       inches_per_digit: float = 0.42) -> plt.Figure:
    """One panel per model (rows x ``columns`` samples, pixels drawn as blocks, no smoothing), ``panels_per_row``
    panels to a row of the figure."""
    apply_theme()
    count = len(samples)
    grid_rows = -(-count // panels_per_row)
    per_row = min(count, panels_per_row)
    first = next(iter(samples.values()))
    rows = first.shape[0] // columns
    panel_width, panel_height = columns * inches_per_digit, rows * inches_per_digit + 0.4
    figure, axes = plt.subplots(grid_rows, per_row, figsize=(panel_width * per_row, panel_height * grid_rows),
                                squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, (title, images) in zip(axes.flat, samples.items()):
        axis.imshow(mosaic(images, columns), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        axis.set_title(title, fontsize=10)
    figure.tight_layout()
    return figure


def _seed_cloud(axis, group: pd.DataFrame, column: str, colour, label: str, marker: str = "o") -> None:
    """One small point per seed and the mean over seeds with its 95% interval on both axes."""
    axis.scatter(group["reward"], group[column], color=colour, s=14, alpha=0.55, linewidth=0)
    x, y = mean_interval(group["reward"].tolist()), mean_interval(group[column].tolist())
    xerr = [[x.estimate - x.low], [x.high - x.estimate]] if np.isfinite(x.low) else None
    yerr = [[y.estimate - y.low], [y.high - y.estimate]] if np.isfinite(y.low) else None
    axis.errorbar(x.estimate, y.estimate, xerr=xerr, yerr=yerr, color=colour, marker=marker, markersize=7, capsize=3,
                  linewidth=1.4, label=label)


def tradeoff_figure(finals: pd.DataFrame, base: dict[str, float], labels: dict[float, str],
                    control: pd.DataFrame | None = None) -> plt.Figure:
    """Final reward (x) against final diversity (y: even-digit entropy, within-class diversity) per alpha: one small
    point per seed, the mean over seeds with its 95% interval on both axes, the base model as a star, the
    reward-free control (if given) as a grey cross."""
    apply_theme()
    colours = alpha_colours(finals["alpha"].unique())
    panels = PANELS[1:3]
    figure, axes = plt.subplots(1, len(panels), figsize=(5.4 * len(panels), 4.2))
    for axis, (column, label) in zip(axes, panels):
        for alpha, group in finals.groupby("alpha"):
            _seed_cloud(axis, group, column, colours[alpha], labels[alpha])
        if control is not None:
            _seed_cloud(axis, control, column, CONTROL_COLOUR, CONTROL_LABEL, marker="X")
        axis.scatter([base["reward"]], [base[column]], marker="*", s=160, color="black", label="base model", zorder=5)
        axis.axvline(REWARD_OPTIMUM, color="black", linestyle="--", linewidth=1)
        axis.set(xlabel="final reward P(even)", ylabel=label)
    axes[0].axhline(LOG5, color="grey", linestyle=":", linewidth=1)
    axes[1].legend(loc="lower left", fontsize=7)
    figure.suptitle(f"Reward against diversity after fine-tuning ({finals['seed'].nunique()} seeds per alpha, "
                    f"mean with 95% interval; small points: single seeds)")
    figure.tight_layout()
    return figure
