"""CESAR's figures: test-time scaling curves, slopes with the no-reasoning line, the radar, the ablation table.

Inputs are the scaling stages' files (``scaling.csv`` and ``summary.json`` per model), read by ``load_scaling``
into one long table with a ``method`` and a ``seed`` column (``sft`` is the model before GRPO, seed -1).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from replication.plots.style import apply_theme

LABELS = {
    "sft": "SFT base (no RL)",
    "outcome": "outcome-only GRPO",
    "cesar": "CESAR",
    "cesar_no_overthinking": "CESAR w/o overthinking",
    "cesar_no_consistency": "CESAR w/o consistency",
    "cesar_no_consistency_keywords": "CESAR w/o consistency, keywords",
}
PANELS = [("task_sound", "sound"), ("task_music", "music"), ("task_speech", "speech"), ("total", "total")]
RADAR_AXES = [("total", "total"), ("difficulty_easy", "easy"), ("difficulty_medium", "medium"),
              ("difficulty_hard", "hard"), ("task_sound", "sound"), ("task_music", "music"),
              ("task_speech", "speech")]


def load_scaling(run_dirs: dict[tuple[str, int], Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(curves, summaries)``: every budget row of every model, and one summary row per model."""
    curves, summaries = [], []
    for (method, seed), run_dir in run_dirs.items():
        frame = pd.read_csv(Path(run_dir) / "scaling.csv")
        curves.append(frame.assign(method=method, seed=seed))
        summary = json.loads((Path(run_dir) / "summary.json").read_text())
        summaries.append({"method": method, "seed": seed, **summary})
    return pd.concat(curves, ignore_index=True), pd.DataFrame(summaries)


def _mean_curves(curves: pd.DataFrame) -> pd.DataFrame:
    numeric = [c for c in curves.columns if c not in ("method", "seed")]
    return curves.groupby(["method", "budget"], sort=False)[numeric].mean().drop(columns="budget").reset_index()


def _palette(methods) -> dict[str, tuple]:
    colours = sns.color_palette("colorblind", n_colors=len(LABELS))
    return {m: colours[list(LABELS).index(m)] for m in methods}


def scaling_figure(curves: pd.DataFrame) -> plt.Figure:
    """Accuracy vs average reasoning tokens, mean over seeds, one panel per task and the total (CESAR Fig. 1)."""
    apply_theme()
    mean = _mean_curves(curves)
    palette = _palette(mean["method"].unique())
    figure, axes = plt.subplots(1, 4, figsize=(16, 3.8), sharex=True)
    for ax, (column, title) in zip(axes, PANELS):
        for method, group in mean.groupby("method", sort=False):
            ax.plot(group["avg_tokens"], group[column], marker="o", ms=3, color=palette[method], label=LABELS[method])
        ax.set(title=title, xlabel="average reasoning tokens", ylabel="accuracy (%)" if column == "task_sound" else "")
    handles, labels = axes[-1].get_legend_handles_labels()
    figure.legend(handles, labels, fontsize=8, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, -0.08))
    figure.suptitle("Test-time scaling: accuracy vs reasoning tokens actually used (budget forcing, mean over seeds)")
    return figure


def slope_figure(curves: pd.DataFrame, summaries: pd.DataFrame) -> plt.Figure:
    """Total accuracy vs tokens with the least-squares line and the no-reasoning (L = 0) level (CESAR Fig. 3)."""
    apply_theme()
    mean = _mean_curves(curves)
    methods = list(mean["method"].unique())
    palette = _palette(methods)
    figure, axes = plt.subplots(1, len(methods), figsize=(3.4 * len(methods), 3.6), sharey=True, squeeze=False)
    for ax, method in zip(axes[0], methods):
        group = mean[mean["method"] == method]
        runs = curves[curves["method"] == method]
        ax.scatter(runs["avg_tokens"], runs["total"], s=8, alpha=0.35, color=palette[method])
        x, y = group["avg_tokens"].to_numpy(), group["total"].to_numpy()
        if np.ptp(x) > 0:
            slope, intercept = np.polyfit(x, y, 1)
            ax.plot(x, intercept + slope * x, color=palette[method])
        no_think = group.loc[group["budget"] == 0, "total"]
        if len(no_think):
            ax.axhline(float(no_think.iloc[0]), ls="--", color="grey", lw=1, label="no reasoning (L = 0)")
        s = summaries.loc[summaries["method"] == method, "slope"]
        spread = f" ± {s.std(ddof=1):.3f}" if len(s) > 1 else ""
        ax.set(title=f"{LABELS[method]}\nslope {s.mean():+.3f}{spread} /token", xlabel="average reasoning tokens")
    axes[0][0].set_ylabel("total accuracy (%)")
    axes[0][0].legend(fontsize=7)
    return figure


def radar_figure(curves: pd.DataFrame) -> plt.Figure:
    """Accuracy at the largest budget on total, easy, medium, hard, sound, music, speech (CESAR Fig. 4)."""
    apply_theme()
    top = curves[curves["budget"] == curves["budget"].max()]
    mean = top.groupby("method", sort=False)[[c for c, _ in RADAR_AXES]].mean()
    angles = np.linspace(0, 2 * np.pi, len(RADAR_AXES), endpoint=False).tolist()
    figure = plt.figure(figsize=(6, 6))
    ax = figure.add_subplot(projection="polar")
    palette = _palette(mean.index)
    for method, row in mean.iterrows():
        values = row.to_list()
        ax.plot(angles + angles[:1], values + values[:1], color=palette[method], label=LABELS[method])
        ax.fill(angles + angles[:1], values + values[:1], color=palette[method], alpha=0.08)
    ax.set_xticks(angles, [label for _, label in RADAR_AXES])
    ax.set_title("Accuracy (%) at the largest thinking budget, mean over seeds")
    ax.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.35, 1.1))
    return figure


def ablation_table(summaries: pd.DataFrame) -> pd.DataFrame:
    """Per method: think / no-think accuracy and slope, mean and standard deviation over seeds."""
    grouped = summaries.groupby("method", sort=False)
    table = pd.DataFrame({
        "runs": grouped.size(),
        "think": grouped["think"].mean(), "think_sd": grouped["think"].std(ddof=1),
        "no_think": grouped["no_think"].mean(), "no_think_sd": grouped["no_think"].std(ddof=1),
        "slope": grouped["slope"].mean(), "slope_sd": grouped["slope"].std(ddof=1),
        "sweet_spot_budget": grouped["sweet_spot_budget"].mean(),
    })
    return table.fillna(0.0)


def table_figure(markdown_rows: list[list[str]], header: list[str]) -> plt.Figure:
    """A PNG rendering of a table (the ablation table), for readers of the figures folder."""
    apply_theme()
    figure, ax = plt.subplots(figsize=(1.6 * len(header), 0.45 * (len(markdown_rows) + 1)))
    ax.axis("off")
    chart = ax.table(cellText=markdown_rows, colLabels=header, loc="center", cellLoc="center")
    chart.auto_set_font_size(False)
    chart.set_fontsize(8)
    chart.auto_set_column_width(col=list(range(len(header))))  # long method names must not be clipped
    chart.scale(1, 1.3)
    return figure
