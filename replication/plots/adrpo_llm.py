"""Figures of the ADRPO LLM experiment, from the runs' ``probe.csv`` and ``train.csv``:

- ``adrpo_llm_entropy`` (ADRPO Fig. 3): per architecture, the reward-entropy trajectory (scatter, the base model
  as a star), the reward curve and the entropy curve;
- ``adrpo_llm_front``: per architecture, final reward against final KL to the base model, against final entropy
  and against the mean effective KL coefficient; one point per (method, coefficient), the GRPO points joined as
  the fixed-beta front. Every band and error bar is a 95% interval over seeds (``replication.eval.stats``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from replication.configs.adrpo_llm import run_name
from replication.eval.stats import mean_interval
from replication.plots.style import apply_theme

RunKey = tuple[str, float | str, int, str]  # (method, setting, seed, architecture)
FINAL_COLUMNS = ["reward", "solved", "top", "distinct_solved", "entropy", "kl"]


def grpo_label(beta: float) -> str:
    return f"GRPO β={beta:g}"


def load_runs(run_dirs: dict[RunKey, Path], labels: dict[str, str], file_name: str) -> pd.DataFrame:
    """Concatenate ``file_name`` of every run, tagged with method, config (its ``run_name``), label, seed and arch.
    ``labels``: config -> label."""
    frames = []
    for (method, setting, seed, arch), run_dir in run_dirs.items():
        path = Path(run_dir) / file_name
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: run the RL stage of {method} {setting} seed {seed}")
        config = run_name(method, setting)
        frames.append(pd.read_csv(path).assign(method=method, config=config, label=labels[config], seed=seed,
                                               arch=arch))
    return pd.concat(frames, ignore_index=True)


def final_runs(probes: pd.DataFrame, training: pd.DataFrame, window: float) -> pd.DataFrame:
    """One row per run: its last probe, its probe reward at the start of the final ``window`` share of the steps
    (``reward_window_start``: the first probe at or after (1 - window) T), the base model's (``reward_base``: the
    probe at step 0), and the trainer's coefficient log averaged over steps (``beta_eff_mean``,
    ``beta_eff_frac_clamped``, ``beta_eff_frac_negative``)."""
    keys = ["arch", "method", "config", "label", "seed"]
    ordered = probes.sort_values("step")
    last = ordered.groupby(keys).tail(1).set_index(keys)[FINAL_COLUMNS]
    cut = ordered["step"].max() * (1.0 - window)
    start = ordered[ordered["step"] >= cut].groupby(keys).head(1).set_index(keys)["reward"]
    base = ordered[ordered["step"] == 0].set_index(keys)["reward"]
    betas = training.groupby(keys)[["beta_eff_mean", "beta_eff_frac_clamped", "beta_eff_frac_negative"]].mean()
    return (last.join(start.rename("reward_window_start")).join(base.rename("reward_base")).join(betas)
            .reset_index())


def config_order(finals: pd.DataFrame) -> list[str]:
    """Configs in reading order: GRPO by beta, then ADRPO variants as they first appear."""
    grpo = finals[finals["method"] == "grpo"].sort_values("beta_eff_mean")["config"].unique().tolist()
    return grpo + [c for c in finals["config"].unique() if c not in grpo]


def _palette(configs: Iterable[str]) -> dict[str, tuple]:
    configs = list(configs)
    grpo = [c for c in configs if c.startswith("grpo")]
    adrpo = [c for c in configs if not c.startswith("grpo")]
    colours = dict(zip(grpo, sns.color_palette("Blues_d", len(grpo))[::-1]))  # dark: beta 0
    qualitative = sns.color_palette("colorblind")
    warm = [qualitative[i] for i in (3, 1, 4, 5, 6, 2, 7, 8)]  # red first, no blue (the front is blue)
    return colours | {config: warm[i % len(warm)] for i, config in enumerate(adrpo)}


def band(data: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per step: the mean over seeds of ``column`` and its 95% interval (``mean_interval``)."""
    rows = []
    for step, group in data.groupby("step"):
        interval = mean_interval(group[column].tolist())
        rows.append({"step": step, "mean": interval.estimate, "low": interval.low, "high": interval.high})
    return pd.DataFrame(rows)


def reward_entropy_figure(probes: pd.DataFrame, architectures: list[str], configs: list[str]) -> plt.Figure:
    """ADRPO Fig. 3 per architecture (rows): reward vs entropy along training (mean over seeds at each probe
    step; the star is the base model), then reward and token entropy against the RL step with 95% bands."""
    apply_theme()
    palette = _palette(configs)
    figure, axes = plt.subplots(len(architectures), 3, figsize=(15, 3.8 * len(architectures)), squeeze=False)
    for row, arch in zip(axes, architectures):
        data = probes[probes["arch"] == arch]
        for config in [c for c in configs if c in set(data["config"])]:
            runs = data[data["config"] == config]
            label = runs["label"].iloc[0]
            path = runs.groupby("step")[["reward", "entropy"]].mean().sort_index()
            width = 2.2 if not config.startswith("grpo") else 1.2
            row[0].plot(path["entropy"], path["reward"], "-o", color=palette[config], markersize=3, lw=width,
                        label=label)
            for axis, column in zip(row[1:], ["reward", "entropy"]):
                curve = band(runs, column)
                axis.plot(curve["step"], curve["mean"], color=palette[config], lw=width, label=label)
                finite = np.isfinite(curve["low"]) & np.isfinite(curve["high"])
                axis.fill_between(curve["step"][finite], curve["low"][finite], curve["high"][finite],
                                  color=palette[config], alpha=0.15, lw=0)
        start = data[data["step"] == 0][["entropy", "reward"]].mean()
        row[0].plot(start["entropy"], start["reward"], "*", color="black", markersize=14, label="base model")
        row[0].set(xlabel="token entropy (nats)", ylabel="probe reward", title=f"{arch}: reward vs entropy")
        row[0].legend(fontsize=7, loc="best")
        row[1].set(xlabel="RL step", ylabel="probe reward", title=f"{arch}: reward (95% band over seeds)")
        row[2].set(xlabel="RL step", ylabel="token entropy (nats)", title=f"{arch}: entropy (95% band over seeds)")
    figure.suptitle("ADRPO vs fixed-β GRPO on the tiered digit-sum task: probe reward and entropy over training")
    figure.tight_layout()
    return figure


def point_intervals(finals: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per (arch, config): mean and 95% interval over seeds of each column (``<col>``, ``<col>_low``, ...)."""
    rows = []
    for (arch, config), group in finals.groupby(["arch", "config"], sort=False):
        row = {"arch": arch, "config": config, "label": group["label"].iloc[0], "method": group["method"].iloc[0],
               "seeds": len(group)}
        for column in columns:
            interval = mean_interval(group[column].tolist())
            row |= {column: interval.estimate, f"{column}_low": interval.low, f"{column}_high": interval.high}
        rows.append(row)
    return pd.DataFrame(rows)


def _errorbar(axis, points: pd.DataFrame, x: str, colour, marker: str, label: str | None) -> None:
    def half_widths(column):
        low = (points[column] - points[f"{column}_low"]).to_numpy()
        high = (points[f"{column}_high"] - points[column]).to_numpy()
        return np.nan_to_num(np.vstack([low, high]), posinf=0.0)

    axis.errorbar(points[x], points["reward"], xerr=half_widths(x), yerr=half_widths("reward"), fmt=marker,
                  color=colour, markersize=7, capsize=3, label=label)


def front_figure(finals: pd.DataFrame, architectures: list[str], configs: list[str]) -> plt.Figure:
    """Per architecture (rows): final probe reward against final KL to the base model, final token entropy and the
    mean effective KL coefficient (GRPO: beta; ADRPO: the trainer's mean of clip(beta0 - A)); one point per
    (method, coefficient) with 95% intervals over seeds on both axes, the GRPO points joined in order of beta
    (on the KL axis on to the base model, the front's end at beta -> infinity)."""
    apply_theme()
    palette = _palette(configs)
    points = point_intervals(finals, ["reward", "kl", "entropy", "beta_eff_mean"])
    axes_spec = [("kl", "final KL to base (nats/token)"), ("entropy", "final token entropy (nats)"),
                 ("beta_eff_mean", "mean effective β (GRPO: β)")]
    figure, axes = plt.subplots(len(architectures), 3, figsize=(15, 4.0 * len(architectures)), squeeze=False)
    for row, arch in zip(axes, architectures):
        data = points[points["arch"] == arch].set_index("config")
        grpo = data[data["method"] == "grpo"].sort_values("beta_eff_mean")
        base = finals.loc[finals["arch"] == arch, ["reward_base"]].iloc[0, 0]
        for axis, (x, name) in zip(row, axes_spec):
            line_x, line_y = grpo[x].tolist(), grpo["reward"].tolist()
            if x == "kl":  # the front ends at the base model: beta -> infinity, KL 0
                line_x, line_y = line_x + [0.0], line_y + [base]
                axis.plot(0.0, base, "*", color="black", markersize=12, label="base model (KL 0)")
            axis.plot(line_x, line_y, "-", color="grey", lw=1, zorder=0, label="GRPO front")
            for config in [c for c in configs if c in data.index]:
                point = data.loc[[config]]
                marker = "o" if point["method"].iloc[0] == "grpo" else "D"
                _errorbar(axis, point, x, palette[config], marker, point["label"].iloc[0])
            axis.set(xlabel=name, ylabel="final probe reward", title=f"{arch}: reward vs {name.split(' (')[0]}")
        row[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    figure.suptitle("Final reward against KL, entropy and effective β: ADRPO variants against the fixed-β GRPO front "
                    "(95% intervals over seeds)")
    figure.tight_layout()
    return figure
