"""Figure ``adrpo_llm_entropy`` (ADRPO Fig. 3): reward vs entropy per architecture, from the runs' probe CSVs."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from replication.plots.style import apply_theme


def method_label(method: str, beta: float) -> str:
    return f"ADRPO β0={beta:g}" if method == "adrpo" else f"GRPO β={beta:g}"


def load_runs(run_dirs: dict[tuple[str, float, int, str], Path], file_name: str = "probe.csv") -> pd.DataFrame:
    """Concatenate ``file_name`` of each (method, beta, seed, arch) run, tagged with those four and a label."""
    frames = []
    for (method, beta, seed, arch), run_dir in sorted(run_dirs.items()):
        path = Path(run_dir) / file_name
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: run the RL stage for {method} beta={beta} seed={seed}")
        frame = pd.read_csv(path).assign(method=method, beta=beta, seed=seed, arch=arch)
        frames.append(frame.assign(label=method_label(method, beta)))
    return pd.concat(frames, ignore_index=True)


def reward_entropy_figure(probes: pd.DataFrame, architectures: list[str]) -> plt.Figure:
    """One row per architecture: trajectory scatter reward vs entropy (mean over seeds per probe step, the base
    model as a star), reward vs step, entropy vs step and KL to the base model vs step (bands: min..max over
    seeds)."""
    apply_theme()
    labels = sorted(probes["label"].unique(), key=lambda name: (not name.startswith("GRPO"), name))
    palette = dict(zip(labels, sns.color_palette("colorblind", len(labels))))
    figure, axes = plt.subplots(len(architectures), 4, figsize=(17, 3.6 * len(architectures)), squeeze=False)
    for row, arch in zip(axes, architectures):
        data = probes[probes["arch"] == arch]
        mean = data.groupby(["label", "step"], as_index=False)[["reward", "entropy", "kl"]].mean()
        for label in labels:
            path = mean[mean["label"] == label].sort_values("step")
            row[0].plot(path["entropy"], path["reward"], "-o", color=palette[label], markersize=3, alpha=0.8,
                        label=label)
        start = data[data["step"] == 0][["entropy", "reward"]].mean()
        row[0].plot(start["entropy"], start["reward"], "*", color="black", markersize=14, label="base model")
        row[0].set(xlabel="token entropy (nats)", ylabel="reward", title=f"{arch}: reward vs entropy")
        row[0].legend(fontsize=7, loc="best")
        for axis, column, name in zip(row[1:], ["reward", "entropy", "kl"],
                                      ["reward", "token entropy (nats)", "KL to base (nats/token)"]):
            sns.lineplot(data=data, x="step", y=column, hue="label", hue_order=labels, palette=palette,
                         errorbar=("pi", 100), ax=axis, legend=False)
            axis.set(xlabel="RL step", ylabel=name, title=f"{arch}: {name}")
    figure.suptitle("ADRPO vs fixed-β GRPO: probe reward and entropy over training (mean over seeds)")
    figure.tight_layout()
    return figure
