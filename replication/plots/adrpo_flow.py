"""Figures of the ADRPO flow experiment, drawn from the runs' ``steps.csv`` and ``final.json`` files (sample
grids: ``adrpo_flow_samples``).

Every figure has one row per testbed (shapes, digits). A method keeps its registry colour
(``replication.configs.adrpo_flow.METHODS``) in every panel; its coefficients go from light (small) to dark.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from replication.configs.adrpo_flow import METHODS, parse_run, run_label
from replication.eval.fronts import pareto_mask
from replication.plots.style import apply_theme

TESTBED_TITLES = {"shapes": "captioned shapes", "digits": "digits"}
REWARD_NAMES = {"shapes": "reward (prompt agreement)", "digits": "reward P(asked digit)"}


def load_runs(run_dirs: dict[tuple[str, str, int], Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-refresh rows of every run, one final-evaluation row per run), tagged with testbed, run, method,
    value, seed and label; ``run_dirs`` maps (testbed, run id, seed) to the run's directory."""
    steps, finals = [], []
    for (testbed, run, seed), run_dir in sorted(run_dirs.items()):
        for name in ("steps.csv", "final.json"):
            if not (Path(run_dir) / name).is_file():
                raise FileNotFoundError(f"{Path(run_dir) / name} missing: run the {testbed} fine-tuning stage of {run} seed {seed}")
        method, value = parse_run(run)
        tags = {"testbed": testbed, "run": run, "method": method, "value": value, "seed": seed, "label": run_label(run)}
        steps.append(pd.read_csv(Path(run_dir) / "steps.csv").assign(**tags))
        final = json.loads((Path(run_dir) / "final.json").read_text())
        finals.append({**final, **tags})
    return pd.concat(steps, ignore_index=True), pd.DataFrame(finals)


def run_colours(runs: list[str]) -> dict[str, tuple]:
    """Each run id's colour: its method's, from light (smallest coefficient) to full (largest)."""
    out = {}
    by_method: dict[str, list[tuple[float, str]]] = {}
    for run in runs:
        method, value = parse_run(run)
        by_method.setdefault(method, []).append((value, run))
    for method, items in by_method.items():
        items.sort()
        shades = sns.light_palette(METHODS[method].colour, n_colors=len(items) + 2)[2:]
        out.update({run: shade for (_, run), shade in zip(items, shades)})
    return out


def _testbeds(frame: pd.DataFrame) -> list[str]:
    return [name for name in TESTBED_TITLES if name in set(frame["testbed"])]


SMOOTHING = 3  # refreshes in the running mean of the trajectory panels (a pool holds 64-80 samples: noisy)


def _trajectories(axis, mean: pd.DataFrame, x: str, colours: dict) -> None:
    """Seed-mean trajectories, each smoothed by a centred running mean over ``SMOOTHING`` refreshes."""
    for run, rows in mean.groupby("run"):
        rows = rows.sort_values("step")
        xs = rows[x].rolling(SMOOTHING, center=True, min_periods=1).mean()
        ys = rows["reward"].rolling(SMOOTHING, center=True, min_periods=1).mean()
        axis.plot(xs, ys, color=colours[run], linewidth=0.8, alpha=0.7)
        axis.scatter(xs, ys, color=colours[run], s=6 + 40 * rows["step"] / rows["step"].max())


def reward_diversity_figure(steps: pd.DataFrame, bases: dict[str, dict[str, float]]) -> plt.Figure:
    """ADRPO Fig. 1 layout per testbed: the training trajectories in (diversity, reward) (seed means, point size
    growing with the step), the reward curve and the diversity curve (bands: range over seeds)."""
    apply_theme()
    testbeds = _testbeds(steps)
    figure, axes = plt.subplots(len(testbeds), 3, figsize=(16, 4.4 * len(testbeds)), squeeze=False)
    for row, testbed in zip(axes, testbeds):
        data = steps[steps["testbed"] == testbed]
        colours = run_colours(sorted(set(data["run"])))
        palette = {run_label(run): colour for run, colour in colours.items()}
        mean = data.groupby(["run", "step"], as_index=False)[["reward", "diversity", "w2"]].mean()
        _trajectories(row[0], mean, "diversity", colours)
        base = bases[testbed]
        row[0].scatter([base["train_diversity"]], [base["train_reward"]], marker="*", s=220, color="black", zorder=5,
                       label="pre-trained")
        row[0].set(xlabel="diversity (same-prompt feature distance)", ylabel=REWARD_NAMES[testbed],
                   title=f"{TESTBED_TITLES[testbed]}: training trajectories (running mean of {SMOOTHING} refreshes)")
        row[0].legend(loc="best", fontsize=8)
        for axis, column in ((row[1], "reward"), (row[2], "diversity")):
            sns.lineplot(data=data, x="step", y=column, hue="label", palette=palette, errorbar=("pi", 100), ax=axis,
                         legend=column == "reward")
            axis.axhline(base[f"train_{column}"], color="black", linestyle="--", linewidth=1)
            axis.set(xlabel="fine-tuning step", ylabel=f"{column} (pool of RL prompts)",
                     title=f"{column} (dashed: pre-trained)")
        row[1].legend(fontsize=6, loc="best", ncol=2)
    figure.suptitle("Reward vs diversity during online fine-tuning (ADRPO Fig. 1 at toy scale)")
    figure.tight_layout()
    return figure


def _bars(axis, finals: pd.DataFrame, column: str, colours: dict, order: list[str]) -> None:
    labels = [run_label(run) for run in order]
    data = finals.assign(label=pd.Categorical(finals["label"], categories=labels, ordered=True))
    sns.barplot(data=data, x="label", y=column, order=labels, errorbar=None, ax=axis, alpha=0.85, dodge=False,
                hue="label", palette={run_label(r): colours[r] for r in order}, legend=False)
    sns.stripplot(data=data, x="label", y=column, order=labels, color="black", size=3, ax=axis)
    axis.set(xlabel="")
    axis.tick_params(axis="x", rotation=70, labelsize=7)


def reward_w2_figure(steps: pd.DataFrame, finals: pd.DataFrame) -> plt.Figure:
    """ADRPO Fig. 2 layout per testbed: trajectories in (W2, reward), final reward bars and final W2 bars
    (RL prompts; bars the mean over seeds, dots the seeds)."""
    apply_theme()
    testbeds = _testbeds(finals)
    figure, axes = plt.subplots(len(testbeds), 3, figsize=(16, 4.6 * len(testbeds)), squeeze=False)
    for row, testbed in zip(axes, testbeds):
        data, final = steps[(steps["testbed"] == testbed) & (steps["step"] > 0)], finals[finals["testbed"] == testbed]
        order = sorted(set(final["run"]), key=lambda run: (list(METHODS).index(parse_run(run)[0]), parse_run(run)[1]))
        colours = run_colours(order)
        mean = data.groupby(["run", "step"], as_index=False)[["reward", "w2"]].mean()
        _trajectories(row[0], mean, "w2", colours)
        row[0].set(xscale="log", xlabel="W2 proxy (mean ||v_theta - v_ref||^2 on sampling paths)",
                   ylabel=REWARD_NAMES[testbed], title=f"{TESTBED_TITLES[testbed]}: training trajectories")
        _bars(row[1], final, "train_reward", colours, order)
        low, high = final["train_reward"].min(), final["train_reward"].max()
        row[1].set(ylabel="final reward (RL prompts)", ylim=(low - 0.2 * (high - low) - 1e-3, high + 0.1 * (high - low) + 1e-3))
        _bars(row[2], final, "train_w2", colours, order)
        row[2].set(ylabel="final W2 (RL prompts)", yscale="log")
    figure.suptitle("Reward vs W2 divergence from the pre-trained model (ADRPO Fig. 2 at toy scale)")
    figure.tight_layout()
    return figure


def _front(axis, rows: pd.DataFrame, x: str, colour, base: dict[str, float]) -> None:
    """The method's front: its Pareto-optimal configurations and the pre-trained model (every method's limit as
    its regularisation grows), the way the verdict builds it (higher diversity, lower W2 and higher reward win)."""
    xs = np.append(rows[x].to_numpy(float), base[x])
    rewards = np.append(rows["train_reward"].to_numpy(float), base["train_reward"])
    better = xs if x.endswith("diversity") else -xs
    keep = pareto_mask(better, rewards)
    order = np.argsort(xs[keep])
    axis.plot(xs[keep][order], rewards[keep][order], color=colour, linewidth=1.2, alpha=0.8)


def _errors(rows: pd.DataFrame, column: str) -> np.ndarray:
    """Error-bar lengths (2, n) from the interval columns; an unbounded interval (one seed) draws none."""
    low, high = rows[column] - rows[f"{column}_low"], rows[f"{column}_high"] - rows[column]
    return np.nan_to_num(np.vstack([low, high]), nan=0.0, posinf=0.0, neginf=0.0)


def pareto_figure(summary: pd.DataFrame, bases: dict[str, dict[str, float]]) -> plt.Figure:
    """Final reward against final diversity (left) and final W2 (right), one point per (method, coefficient):
    the mean over seeds with its 95% interval on both axes; each method's front drawn through its
    Pareto-optimal points and the pre-trained model (the star; W2 = 0, on a symmetric-log axis)."""
    apply_theme()
    testbeds = _testbeds(summary)
    figure, axes = plt.subplots(len(testbeds), 2, figsize=(13, 5.0 * len(testbeds)), squeeze=False)
    for row, testbed in zip(axes, testbeds):
        data = summary[summary["testbed"] == testbed]
        base = {**bases[testbed], "train_w2": 0.0}
        for method, rows in data.groupby("method", sort=False):
            colour = METHODS[method].colour
            for axis, x in ((row[0], "train_diversity"), (row[1], "train_w2")):
                axis.errorbar(rows[x], rows["train_reward"], xerr=_errors(rows, x), yerr=_errors(rows, "train_reward"),
                              fmt="o", color=colour, capsize=2, markersize=5, label=METHODS[method].label)
                _front(axis, rows, x, colour, base)
                for _, r in rows.iterrows():
                    axis.annotate(f"{r['value']:g}", (r[x], r["train_reward"]), fontsize=6, xytext=(3, 3),
                                  textcoords="offset points")
        for axis, x in ((row[0], "train_diversity"), (row[1], "train_w2")):
            axis.scatter([base[x]], [base["train_reward"]], marker="*", s=220, color="black", label="pre-trained",
                         zorder=5)
        row[0].set(xlabel="final diversity (RL prompts)", ylabel=f"final {REWARD_NAMES[testbed]}",
                   title=f"{TESTBED_TITLES[testbed]}: reward vs diversity (labels: coefficient)")
        row[1].set_xscale("symlog", linthresh=1e-2)
        row[1].set(xlabel="final W2 (RL prompts; symmetric log; left is closer to the pre-trained model)",
                   ylabel=f"final {REWARD_NAMES[testbed]}", title=f"{TESTBED_TITLES[testbed]}: reward vs W2")
        row[0].legend(fontsize=8, loc="best")
    figure.suptitle("Pareto fronts of the coefficient sweeps (mean over seeds, 95% intervals)")
    figure.tight_layout()
    return figure
