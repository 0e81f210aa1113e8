"""The ADRPO flow experiment's section of figures/README.md: measured numbers beside the paper's, every interval
and verdict computed through ``replication.eval.stats`` (fronts: ``replication.eval.fronts``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replication.configs.adrpo_flow import METHODS, run_label
from replication.eval.fronts import front_gap_interval, slope_interval
from replication.eval.stats import Verdict, all_of, mean_interval, verdict, verdict_table

# ADRPO paper, SD3 (values read off its Figs. 1-2; PAPERS.md section 2). Reward is CLIPScore x 100.
PAPER = pd.DataFrame(
    [("pre-trained SD3", 29.2, 5.11, None), ("ADRPO", 32.6, 5.18, 0.0008), ("DPO", 31.1, 4.82, 0.0047),
     ("ORW-CFM-W2", 31.3, 3.94, 0.022)],
    columns=["method", "reward", "diversity", "W2"],
)
PAPER_C2 = {  # what the paper shows for ADRPO against each baseline (final points of its figures)
    ("orw", "diversity"): "ADRPO 32.6 / 5.18 vs ORW-CFM-W2 31.3 / 3.94 (reward / diversity)",
    ("dpo", "diversity"): "ADRPO 32.6 / 5.18 vs DPO 31.1 / 4.82 (reward / diversity)",
    ("fixed_beta", "diversity"): "not reported for SD3",
    ("orw", "w2"): "ADRPO 32.6 at W2 0.0008 vs ORW-CFM-W2 31.3 at 0.022",
    ("dpo", "w2"): "ADRPO 32.6 at W2 0.0008 vs DPO 31.1 at 0.0047",
    ("fixed_beta", "w2"): "not reported for SD3",
}
METRICS = ("reward", "diversity", "w2")
AXES = {"diversity": "matched diversity", "w2": "matched W2"}
PLATEAU_TOLERANCE = 0.01  # reward units: a fixed-coefficient run has plateaued when its last-quarter gain is below


def summarise(finals: pd.DataFrame) -> pd.DataFrame:
    """One row per (testbed, run): seeds, and every final metric's mean over seeds with its 95% interval
    (``<metric>``, ``<metric>_low``, ``<metric>_high``)."""
    columns = [c for c in finals.columns if c.split("_", 1)[-1] in METRICS and c.split("_", 1)[0] in ("train", "heldout")]
    rows = []
    for (testbed, run), group in finals.groupby(["testbed", "run"], sort=False):
        row = {"testbed": testbed, "run": run, "method": group["method"].iloc[0], "value": group["value"].iloc[0],
               "label": run_label(run), "seeds": len(group)}
        for column in columns:
            values = group[column].dropna()
            if len(values) == 0:
                continue
            interval = mean_interval(values.to_list())
            row.update({column: interval.estimate, f"{column}_low": interval.low, f"{column}_high": interval.high})
        rows.append(row)
    order = {method: i for i, method in enumerate(METHODS)}
    return (pd.DataFrame(rows).assign(_order=lambda d: d["method"].map(order))
            .sort_values(["testbed", "_order", "value"]).drop(columns="_order").reset_index(drop=True))


def axis_values(frame: pd.DataFrame | dict, axis: str) -> np.ndarray:
    """The front's x: diversity as measured; for W2, -W2 (higher = closer to the reference; linear, so that the
    pre-trained model, at W2 = 0, is a point of every front)."""
    if axis == "diversity":
        return np.asarray(frame["train_diversity"], float)
    return -np.asarray(frame["train_w2"], float)


def _configs(finals: pd.DataFrame, method: str, axis: str) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(axis_values(group, axis), group["train_reward"].to_numpy(float))
            for _, group in finals[finals["method"] == method].groupby("run", sort=False)]


def c2_verdict(finals: pd.DataFrame, axis: str, n_items: int | None, base: dict[str, float]) -> Verdict | None:
    """C2 on one testbed and axis: ADRPO's front above each baseline's (mean reward gap over the matched levels).

    The pre-trained model (``base``: its ``train_*`` metrics) is a fixed point of every front: each method tends
    to it as its regularisation grows (beta0, alpha to infinity; DPO's beta to 0)."""
    baselines = [m for m in METHODS if m != "adrpo" and m in set(finals["method"])]
    if "adrpo" not in set(finals["method"]) or not baselines:
        return None
    parts = []
    adrpo = _configs(finals, "adrpo", axis)
    anchor = (float(axis_values(base, axis)), float(base["train_reward"]))
    for method in baselines:
        effect, levels = front_gap_interval(adrpo, _configs(finals, method, axis), anchor=anchor)
        seeds = int(finals[finals["method"].isin(["adrpo", method])].groupby("run")["seed"].count().min())
        shown = -levels if axis == "w2" else levels  # W2 levels as W2
        where = (f"{len(levels)} levels in [{shown.min():.3g}, {shown.max():.3g}]" if len(levels)
                 else "no overlap of the two fronts")
        parts.append(verdict(f"ADRPO front above {METHODS[method].label}'s at {AXES[axis]} ({where})", effect,
                             "greater", n_seeds=seeds, n_items=n_items, paper=PAPER_C2[(method, axis)]))
    return all_of(f"C2: ADRPO's reward front above every baseline's at {AXES[axis]}", parts,
                  paper="ADRPO higher reward, higher diversity and lower W2 than DPO and ORW-CFM-W2")


def bites_verdicts(finals: pd.DataFrame) -> list[Verdict]:
    """Per method with two or more positive coefficients: W2 falls as the coefficient grows (slope of log10 W2
    on log10 coefficient below 0). DPO's beta is a temperature, not a W2 strength, so it is left out."""
    out = []
    for method in ("adrpo", "fixed_beta", "orw"):
        rows = finals[(finals["method"] == method) & (finals["value"] > 0)]
        values = sorted(set(rows["value"]))
        if len(values) < 2:
            continue
        levels = np.log10(values)
        w2 = [np.log10(rows[rows["value"] == v]["train_w2"].to_numpy(float)).tolist() for v in values]
        effect = slope_interval(levels, w2)
        seeds = int(rows.groupby("value")["seed"].count().min())
        out.append(verdict(f"precondition: {METHODS[method].label}'s W2 falls as {METHODS[method].coefficient} grows "
                           "(slope of log10 W2 per decade)", effect, "less", n_seeds=seeds,
                           paper="a regulariser whose coefficient bites"))
    return out


def plateau_verdicts(steps: pd.DataFrame) -> list[Verdict]:
    """Per fixed-coefficient configuration (ORW-CFM-W2, fixed beta): the pool reward's gain over the last quarter
    of training, per seed; plateaued when its interval lies below ``PLATEAU_TOLERANCE``."""
    out = []
    last = steps["step"].max()
    for run, group in steps[steps["method"].isin(["orw", "fixed_beta"])].groupby("run", sort=False):
        quarter = group["step"][group["step"] <= 0.75 * last].max()
        by_seed = group.pivot_table(index="seed", columns="step", values="reward")
        gain = (by_seed[last] - by_seed[quarter]).to_list()
        out.append(verdict(f"precondition: {run_label(run)} plateaued (pool-reward gain, steps {quarter}-{last})",
                           mean_interval(gain), "less", n_seeds=len(gain), threshold=PLATEAU_TOLERANCE,
                           paper="steps until the fixed-coefficient methods plateau"))
    return out


def _fmt(row: pd.Series, column: str, digits: int = 3) -> str:
    if column not in row or pd.isna(row[column]):
        return "-"
    low, high = row[f"{column}_low"], row[f"{column}_high"]
    spec = ".2e" if column.endswith("w2") else f".{digits}f"
    bounds = f" [{low:{spec}}, {high:{spec}}]" if np.isfinite(low) and np.isfinite(high) else ""
    return f"{row[column]:{spec}}{bounds}"


def configuration_table(summary: pd.DataFrame, base: dict[str, float], heldout: bool) -> str:
    columns = ["train_reward", "train_diversity", "train_w2"] + (["heldout_reward", "heldout_diversity"] if heldout else [])
    names = {"train_reward": "reward", "train_diversity": "diversity", "train_w2": "W2",
             "heldout_reward": "held-out reward", "heldout_diversity": "held-out diversity"}
    lines = ["| configuration | seeds | " + " | ".join(names[c] for c in columns) + " |",
             "|---|---|" + "---|" * len(columns),
             "| pre-trained | - | " + " | ".join("0" if c.endswith("w2") else f"{base[c]:.3f}" for c in columns) + " |"]
    for _, row in summary.iterrows():
        lines.append(f"| {row['label']} | {row['seeds']} | " + " | ".join(_fmt(row, c) for c in columns) + " |")
    return "\n".join(lines)


def paper_table() -> str:
    lines = ["| method | reward (CLIPScore x 100) | diversity | W2 |", "|---|---|---|---|"]
    for _, r in PAPER.iterrows():
        lines.append(f"| {r['method']} | {r['reward']} | {r['diversity']} | {'-' if pd.isna(r['W2']) else r['W2']} |")
    return "\n".join(lines)


def gate_table(gates: dict[str, dict[str, float]]) -> str:
    lines = ["| testbed | base reward (RL prompts) | required | samples | gate |", "|---|---|---|---|---|"]
    for testbed, gate in gates.items():
        lines.append(f"| {testbed} | {gate['base_reward']:.3f} | [{gate['base_reward_min']:g}, {gate['base_reward_max']:g}) | "
                     f"{int(gate['eval_samples'])} | {'passed' if gate['base_reward_passed'] == 1 else 'FAILED'} |")
    return "\n".join(lines)


def testbed_verdicts(finals: pd.DataFrame, steps: pd.DataFrame, n_items: int, base: dict[str, float]) -> list[Verdict]:
    """Every computed claim of one testbed: C2 on both axes, then the preconditions."""
    c2 = [v for v in (c2_verdict(finals, axis, n_items, base) for axis in AXES) if v is not None]
    return c2 + bites_verdicts(finals) + plateau_verdicts(steps)


def adrpo_flow_section(summaries: dict[str, pd.DataFrame], verdicts: dict[str, list[Verdict]],
                       gates: dict[str, dict[str, float]], classifier: dict[str, float], profile: str) -> str:
    """The markdown fragment; every number and verdict in it is computed from the runs."""
    tables = "\n\n".join(
        f"**{testbed}** (RL prompts{', and held-out prompts never trained on' if testbed == 'shapes' else ''}; "
        f"mean over seeds [95% interval]):\n\n{configuration_table(summaries[testbed], gates[testbed], testbed == 'shapes')}"
        for testbed in summaries)
    judged = "\n\n".join(f"**{testbed}**\n\n{verdict_table(verdicts[testbed])}" for testbed in verdicts)
    return f"""## ADRPO for flow matching: reward, diversity and W2 (`adrpo_reward_diversity`, `adrpo_reward_w2`, `adrpo_pareto`)

Profile `{profile}`. Two testbeds, one online loop for every method (`replication/flow/online.py`; pools of K
samples per prompt from the current policy, group advantages computed once per pool over whole prompt groups),
each method's coefficient swept (ADRPO beta0, fixed-beta ablation beta0, ORW-CFM-W2 alpha, Diffusion-DPO beta):

- **captioned shapes**: a prompt-conditioned SD3 transformer (diffusers `SD3Transformer2DModel` + a small CLIP
  text encoder, trained here) on 24 x 24 images of two coloured shapes; reward: the probability that a
  classifier reads the prompt's layout, colours and shapes in the image (geometric mean over the five
  attributes; classifier accuracy on held-out scenes: all labels {classifier['held_out_all']:.3f});
- **digits**: ORW-CFM-W2's class-conditioned generator, the digit as the prompt, reward P(asked digit).

Diversity: mean pairwise distance of the classifier's features between samples of one prompt; W2: mean
||v_theta - v_ref||^2 along the policy's sampling paths. Final numbers: a fixed evaluation batch, the same
prompts and noise for every run. The verdicts compare fronts (the best reward a method reaches while keeping
diversity, or closeness to the reference, at least at a level) over the levels both fronts reach, resampling
seeds within each configuration.

**Gates** (the RL stages refuse to start when one fails):

{gate_table(gates)}

![reward vs diversity](adrpo_reward_diversity.png)

![reward vs W2](adrpo_reward_w2.png)

![Pareto fronts](adrpo_pareto.png)

**Paper (SD3-medium, CLIPScore; values read off its figures):**

{paper_table()}

**Verdicts (computed; the paper's numbers beside them):**

{judged}

**Measured per configuration:**

{tables}

The paper's scale (SD3-medium, CLIPScore, thousands of steps) is not this one (generators of about 0.3 M
parameters, a classifier reward, a few hundred steps): this checks the mechanism, not the paper's numbers.
"""


OUTCOME_CODE = {"held": 1, "inconclusive": 0, "did not hold": -1}


def summary_metrics(summaries: dict[str, pd.DataFrame], verdicts: dict[str, list[Verdict]]) -> dict[str, float]:
    """The numbers DVC shows (metrics/adrpo_flow/summary.json): each configuration's means, and each verdict's
    effect (with its bounds when finite) and outcome (1 held, 0 inconclusive, -1 did not hold)."""
    out: dict[str, float] = {}
    for testbed, summary in summaries.items():
        for _, row in summary.iterrows():
            for metric in ("train_reward", "train_diversity", "train_w2"):
                out[f"{testbed}_{row['run']}_{metric}"] = float(row[metric])
        index = 0
        for item in verdicts[testbed]:
            for part in (item, *item.parts):
                key = f"{testbed}_claim{index}"
                index += 1
                out[f"{key}_outcome"] = OUTCOME_CODE[part.outcome]
                if part.effect is not None:
                    for name, value in (("effect", part.effect.estimate), ("low", part.effect.low), ("high", part.effect.high)):
                        if np.isfinite(value):
                            out[f"{key}_{name}"] = float(value)
    return out
