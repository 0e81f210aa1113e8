"""CESAR's figures: test-time scaling curves, slopes, the radar, the ablation table, all with 95 % intervals.

Inputs are the scaling stages' item-level outcomes (``items.csv`` per model), read by ``load_items`` into one
long table with ``method`` and ``seed`` columns (``sft`` is the model before GRPO, seed -1) and the items' task
and difficulty. Every interval is a bootstrap over test items of the seed-mean curve
(``replication.eval.scaling_intervals``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from replication.eval.scaling_intervals import accuracy_interval
from replication.plots.style import apply_theme

LABELS = {
    "sft": "SFT base (no RL)",
    "outcome": "outcome-only GRPO",
    "cesar": "CESAR",
    "cesar_no_overthinking": "CESAR w/o overthinking",
    "cesar_no_consistency": "CESAR w/o consistency",
    "cesar_no_consistency_keywords": "CESAR w/o consistency, keywords",
}
PANELS = [("task", "sound"), ("task", "music"), ("task", "speech"), (None, "total")]
RADAR_AXES = [(None, "total"), ("difficulty", "easy"), ("difficulty", "medium"), ("difficulty", "hard"),
              ("task", "sound"), ("task", "music"), ("task", "speech")]


def load_items(run_dirs: dict[tuple[str, int], Path], meta: pd.DataFrame) -> pd.DataFrame:
    """Every (method, seed, item, budget) outcome, joined with ``meta`` (``id``, ``task``, ``difficulty``)."""
    frames = [pd.read_csv(Path(d) / "items.csv").assign(method=m, seed=s) for (m, s), d in run_dirs.items()]
    return pd.concat(frames, ignore_index=True).merge(meta, on="id", how="left", validate="many_to_one")


def curve_points(items: pd.DataFrame, axes=tuple(dict.fromkeys(PANELS + RADAR_AXES))) -> pd.DataFrame:
    """Seed-mean accuracy (%) and tokens per (method, budget, axis), with the accuracy's interval over items."""
    rows = []
    for (method, budget), group in items.groupby(["method", "budget"], sort=False):
        for kind, value in axes:
            part = group if kind is None else group[group[kind] == value]
            per_item = part.groupby("id")[["correct", "tokens"]].mean()  # the seed mean of each item
            interval = accuracy_interval(per_item["correct"].to_numpy())
            rows.append({"method": method, "budget": budget, "axis": value, "tokens": per_item["tokens"].mean(),
                         "accuracy": interval.estimate, "low": interval.low, "high": interval.high})
    return pd.DataFrame(rows)


def _palette(methods) -> dict[str, tuple]:
    colours = sns.color_palette("colorblind", n_colors=len(LABELS))
    return {m: colours[list(LABELS).index(m)] for m in methods}


def _errorbar(ax, group, colour, label=None):
    ax.errorbar(group["tokens"], group["accuracy"], yerr=[group["accuracy"] - group["low"],
                                                         group["high"] - group["accuracy"]],
                marker="o", ms=3, capsize=2, lw=1.2, color=colour, label=label)


def scaling_figure(points: pd.DataFrame) -> plt.Figure:
    """Accuracy vs average reasoning tokens, one panel per task and the total (CESAR Fig. 1), 95 % intervals."""
    apply_theme()
    palette = _palette(points["method"].unique())
    figure, axes = plt.subplots(1, len(PANELS), figsize=(16, 3.9), sharex=True)
    for ax, (_, name) in zip(axes, PANELS):
        for method, group in points[points["axis"] == name].groupby("method", sort=False):
            _errorbar(ax, group, palette[method], LABELS[method])
        ax.set(title=name, xlabel="average reasoning tokens", ylabel="accuracy (%)" if name == "sound" else "")
    handles, labels = axes[-1].get_legend_handles_labels()
    figure.legend(handles, labels, fontsize=8, loc="lower center", ncol=len(labels), bbox_to_anchor=(0.5, -0.09))
    figure.suptitle("Test-time scaling: accuracy vs reasoning tokens used (budget forcing; seed mean, 95 % "
                    "intervals over items)")
    return figure


def slope_figure(points: pd.DataFrame, summary: pd.DataFrame) -> plt.Figure:
    """Total accuracy vs tokens with the least-squares line, the no-reasoning level and the slope's interval
    (CESAR Fig. 3)."""
    apply_theme()
    total = points[points["axis"] == "total"]
    methods = list(total["method"].unique())
    palette = _palette(methods)
    figure, axes = plt.subplots(1, len(methods), figsize=(3.5 * len(methods), 3.8), sharey=True, squeeze=False)
    for ax, method in zip(axes[0], methods):
        group = total[total["method"] == method].sort_values("budget")
        _errorbar(ax, group, palette[method])
        x, y = group["tokens"].to_numpy(), group["accuracy"].to_numpy()
        if np.ptp(x) > 0:
            slope, intercept = np.polyfit(x, y, 1)
            ax.plot(x, intercept + slope * x, color=palette[method], ls=":")
        ax.axhline(float(group["accuracy"].iloc[0]), ls="--", color="grey", lw=1, label="no reasoning (L = 0)")
        row = summary.loc[method]
        ax.set(title=f"{LABELS[method]}\nslope {row['slope']:+.3f} [{row['slope_low']:+.3f}, {row['slope_high']:+.3f}]"
                     f"\nw/o L=0 {row['slope_no_zero']:+.3f} [{row['slope_no_zero_low']:+.3f}, "
                     f"{row['slope_no_zero_high']:+.3f}]", xlabel="average reasoning tokens")
        ax.title.set_fontsize(8)
    axes[0][0].set_ylabel("total accuracy (%)")
    axes[0][0].legend(fontsize=7)
    return figure


def radar_figure(points: pd.DataFrame) -> plt.Figure:
    """Accuracy at the largest budget on total, easy, medium, hard, sound, music, speech, with the 95 % band
    (CESAR Fig. 4)."""
    apply_theme()
    top = points[points["budget"] == points["budget"].max()]
    names = [name for _, name in RADAR_AXES]
    angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False).tolist()
    figure = plt.figure(figsize=(6.5, 6.5))
    ax = figure.add_subplot(projection="polar")
    palette = _palette(top["method"].unique())
    for method, group in top.groupby("method", sort=False):
        by_axis = group.set_index("axis").loc[names]
        closed = lambda column: [*by_axis[column], by_axis[column].iloc[0]]  # noqa: E731
        ax.plot(angles + angles[:1], closed("accuracy"), color=palette[method], label=LABELS[method])
        ax.fill_between(angles + angles[:1], closed("low"), closed("high"), color=palette[method], alpha=0.15)
    ax.set_xticks(angles, names)
    ax.set_title("Accuracy (%) at the largest thinking budget (seed mean, 95 % band over items)")
    ax.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.38, 1.12))
    return figure


def table_figure(markdown_rows: list[list[str]], header: list[str]) -> plt.Figure:
    """A PNG rendering of a table (the ablation table), for readers of the figures folder."""
    apply_theme()
    figure, ax = plt.subplots(figsize=(1.9 * len(header), 0.5 * (len(markdown_rows) + 1)))
    ax.axis("off")
    chart = ax.table(cellText=markdown_rows, colLabels=header, loc="center", cellLoc="center")
    chart.auto_set_font_size(False)
    chart.set_fontsize(7)
    chart.auto_set_column_width(col=list(range(len(header))))  # long method names must not be clipped
    chart.scale(1, 1.4)
    return figure
