"""The digits experiment's section of figures/README.md: gates, measured numbers with their intervals beside the
paper's, and the verdicts computed by ``replication.eval.orw_claims`` (never written by hand)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from replication.eval.orw_claims import effects, orw_verdicts, seed_means
from replication.eval.stats import Verdict, difference_of_means, mean_interval, verdict_table

COLUMNS = [  # (metric, table header) of the final table
    ("reward", "reward P(even)"),
    ("even_class_entropy", "even-digit entropy (max 1.61)"),
    ("class_entropy", "class entropy (max 2.30)"),
    ("within_class_diversity", "within-class diversity"),
    ("w2", "W2 proxy"),
]
GATE_NAMES = {
    "classifier_accuracy": "reward classifier, held-out accuracy",
    "base_reward": "base model's reward (room to improve)",
    "base_class_entropy": "base model's class entropy (something to collapse)",
    "strongest_pull": "pull of the largest alpha at the base's reward (alpha bites)",
}


@dataclass(frozen=True)
class Setting:
    """What the section says about the run it reports."""

    profile: str
    tau: float
    steps: int
    eval_samples: int
    reward_margin: float
    labels: dict[float, str]  # alpha -> "alpha = 3.65 (paper 0.3)"


def gate_subset(metrics: dict[str, float]) -> dict[str, float]:
    """The flat gate entries (name, name_min, name_max, name_passed) of the gates in ``GATE_NAMES`` found in ``metrics``."""
    keys = [name + suffix for name in GATE_NAMES for suffix in ("", "_min", "_max", "_passed")]
    return {key: metrics[key] for key in keys if key in metrics}


def gate_rows(gates: dict[str, float]) -> str:
    """One table row per gate found in ``gates`` (flat gate metrics: name, name_min, name_max, name_passed)."""
    rows = []
    for name, what in GATE_NAMES.items():
        if name in gates:
            passed = "passed" if gates[f"{name}_passed"] == 1 else "**FAILED**"
            rows.append(f"| {what} | {gates[name]:.3f} | [{gates[f'{name}_min']:g}, {gates[f'{name}_max']:g}) | {passed} |")
    return "\n".join(rows)


def first_seed(finals: pd.DataFrame) -> pd.DataFrame:
    """One row per alpha (its lowest seed), indexed and sorted by alpha: what every seed shares (pull, paper alpha)."""
    return finals.sort_values("seed").groupby("alpha").head(1).set_index("alpha").sort_index()


def run_labels(finals: pd.DataFrame) -> dict[float, str]:
    """alpha -> "alpha = 3.65 (paper 0.3)", in increasing alpha."""
    return {a: f"alpha = {a:g} (paper {r.paper_alpha:.2g})" for a, r in first_seed(finals).iterrows()}


def pull_rows(finals: pd.DataFrame, labels: dict[float, str]) -> str:
    first = first_seed(finals)
    return "\n".join(
        f"| {labels[a]} | {r.pull_at_base_reward:.1%} | {r.pull_at_optimum:.1%} |" for a, r in first.iterrows()
    )


def final_rows(finals: pd.DataFrame, labels: dict[float, str]) -> str:
    means = seed_means(finals, [metric for metric, _ in COLUMNS])
    return "\n".join(
        f"| {labels[a]} | {int((finals['alpha'] == a).sum())} | "
        + " | ".join(means[a][m].format(3, signed=False) for m, _ in COLUMNS) + " |"
        for a in means
    )


def effect_rows(finals: pd.DataFrame, labels: dict[float, str]) -> str:
    gaps = effects(finals, [metric for metric, _ in COLUMNS])
    return "\n".join(f"| {labels[a]} | " + " | ".join(gaps[a][m].format(3) for m, _ in COLUMNS) + " |" for a in gaps)


def control_rows(finals: pd.DataFrame, control: pd.DataFrame) -> str:
    """The reward-free control beside alpha = 0: means over seeds [95% interval], and their difference."""
    unregularised = finals[finals["alpha"] == 0.0]
    cells = {
        f"no reward (tau 0), {len(control)} seeds": [mean_interval(control[m].tolist()).format(3, signed=False)
                                                   for m, _ in COLUMNS],
        f"alpha = 0 (tau of the sweep), {len(unregularised)} seeds": [
            mean_interval(unregularised[m].tolist()).format(3, signed=False) for m, _ in COLUMNS],
        "alpha = 0 - no reward": [difference_of_means(unregularised[m].tolist(), control[m].tolist()).format(3)
                                  for m, _ in COLUMNS],
    }
    return "\n".join(f"| {name} | " + " | ".join(values) + " |" for name, values in cells.items())


def control_block(finals: pd.DataFrame, control: pd.DataFrame | None) -> str:
    if control is None or control.empty:
        return ""
    headers = " | ".join(header for _, header in COLUMNS)
    return f"""**Control: the online loop without reward** (alpha = 0 at tau = 0, every weight 1; the model is fine-tuned
on its own samples and nothing else). What it loses, the loop loses by itself; C6 asks whether alpha = 0 loses more.

| runs | {headers} |
|---|{'---|' * len(COLUMNS)}
{control_rows(finals, control)}

"""


def verdict_block(verdicts: list[Verdict] | None, failed: list[str]) -> str:
    if failed:
        return (f"**Not tested**: gate(s) {', '.join(failed)} failed, so the sweep cannot show the paper's effect "
                "(see the gates above); no verdict is computed.")
    return verdict_table(verdicts)


def orw_section(finals: pd.DataFrame, base: dict[str, float], gates: dict[str, float], setting: Setting,
                control: pd.DataFrame | None = None) -> str:
    failed = [name for name in GATE_NAMES if name in gates and gates[f"{name}_passed"] != 1]
    verdicts = None if failed else orw_verdicts(finals, base, setting.reward_margin, setting.eval_samples, control)
    seeds = finals.groupby("alpha")["seed"].nunique()
    seed_text = f"{seeds.min()} seeds" if seeds.min() == seeds.max() else f"{seeds.min()}-{seeds.max()} seeds"
    headers = " | ".join(header for _, header in COLUMNS)
    return f"""## ORW-CFM-W2 on handwritten digits (profile `{setting.profile}`)

The base generator draws digits unconditionally (its null label); ORW-CFM-W2 fine-tunes it online for
{setting.steps} steps at tau = {setting.tau:g} towards the reward P(even) of a digit classifier, once per alpha and
seed ({seed_text} per alpha). Every model is measured on the same {setting.eval_samples}
fresh samples' noise. Intervals are 95% bootstrap intervals over seeds (`replication/eval/stats.py`).

**Gates** (preconditions; the stages after them refuse to start when one fails):

| gate | measured | required | |
|---|---|---|---|
{gate_rows(gates)}

**What alpha does here**: the per-sample optimum of the loss is v* = (w u + alpha v_ref) / (w + alpha) with
w = exp(tau r), so alpha pulls v* the fraction alpha / (w + alpha) of the way back to the reference. The tiny
alphas are the paper's (at its tau = 0.5) rescaled to the same pull at r = 1:

| alpha | pull at the base's reward {base['reward']:.3f} | pull at r = 1 |
|---|---|---|
{pull_rows(finals, setting.labels)}

![sample grids](orw_mnist_grid.png)

`orw_mnist_grid`: unconditional samples of the base model and of each alpha's fine-tuned model (one seed), all from
the same noise. Paper: MNIST "even digits", alpha = 0 collapses onto copies of one digit, 0.3 is balanced, 0.8
keeps the most diversity.

![reward and diversity](orw_mnist_reward.png)

`orw_mnist_reward`: reward, even-digit entropy, within-class diversity and the W2 proxy against the fine-tuning
step, measured on each refresh's pool; mean over seeds with its 95% band; dashed line = the optimum reward 1.
Paper: reward rises from about 0.43 to about 1.0 in about 10k steps for every alpha.

![reward against diversity](orw_tradeoff.png)

`orw_tradeoff`: final reward against final diversity, one small point per seed, the mean per alpha with its 95%
interval on both axes, the base model as a star.

**Final evaluation** (mean over seeds [95% interval]); base model: reward {base['reward']:.3f}, even-digit
entropy {base['even_class_entropy']:.2f}, class entropy {base['class_entropy']:.2f}, within-class diversity
{base['within_class_diversity']:.2f}.

| alpha | seeds | {headers} |
|---|---|{'---|' * len(COLUMNS)}
{final_rows(finals, setting.labels)}

**Effect sizes** against alpha = 0 (difference of means over seeds [95% interval]):

| alpha | {headers} |
|---|{'---|' * len(COLUMNS)}
{effect_rows(finals, setting.labels)}

{control_block(finals, control)}**Verdicts** (computed; C1's reward margin {setting.reward_margin:g} P(even), docs/orw.md says why):

{verdict_block(verdicts, failed)}
"""
