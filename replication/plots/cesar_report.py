"""The CESAR section of figures/README.md: gates, the ablation table, the training table and the verdicts, each
number with its interval and beside the paper's."""

from __future__ import annotations

import math

import pandas as pd

from replication.eval.cesar_gates import failed
from replication.eval.stats import Verdict, verdict_table
from replication.plots.cesar import LABELS

# PAPERS.md section 1 (MMAU test-mini, %, Qwen2.5-Omni-7B); None where the paper gives no number.
PAPER = {
    "sft": {"think": 65.20, "no_think": 68.60, "slope": -0.508},  # the untuned base model
    "outcome": {"think": 74.60, "no_think": 74.50, "slope": -0.007},  # Ke-Omni-R
    "cesar": {"think": 77.10, "no_think": 73.70, "slope": 0.0383},
    "cesar_no_overthinking": {"think": 76.50, "no_think": 75.00, "slope": 0.0084},
    "cesar_no_consistency": {"think": 76.2, "no_think": None, "slope": None},
    "cesar_no_consistency_keywords": {"think": 75.2, "no_think": None, "slope": None},
}
HEADER = ["method", "runs", "think (ours)", "think (paper)", "no-think (ours)", "no-think (paper)",
          "think - no-think (ours, paired)", "slope /token (ours)", "slope (paper)", "slope w/o L=0 (ours)",
          "per-seed slopes", "sweet spot L", "tokens, drift % at largest L"]


def _paper(method: str, key: str, digits: int) -> str:
    value = PAPER.get(method, {}).get(key)
    if key == "gain":
        think, no_think = PAPER.get(method, {}).get("think"), PAPER.get(method, {}).get("no_think")
        value = None if think is None or no_think is None else think - no_think
    return "n/a" if value is None else f"{value:+.{digits}f}" if key in ("slope", "gain") else f"{value:.{digits}f}"


def _ci(row: pd.Series, name: str, digits: int, signed: bool = False) -> str:
    sign = "+" if signed else ""
    low, high = row[f"{name}_low"], row[f"{name}_high"]
    if not math.isfinite(row[name]):
        return "undefined"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{row[name]:{sign}.{digits}f} [no interval]"
    return f"{row[name]:{sign}.{digits}f} [{low:{sign}.{digits}f}, {high:{sign}.{digits}f}]"


def ablation_rows(summary: pd.DataFrame) -> list[list[str]]:
    rows = []
    for method, row in summary.iterrows():
        gain_paper = _paper(method, "gain", 1)
        rows.append([
            LABELS[method], f"{int(row['runs'])}", _ci(row, "think", 1), _paper(method, "think", 1),
            _ci(row, "no_think", 1), _paper(method, "no_think", 1),
            f"{_ci(row, 'gain', 1, True)} (paper {gain_paper})", _ci(row, "slope", 3, True),
            _paper(method, "slope", 4), _ci(row, "slope_no_zero", 3, True), _ci(row, "seed_slope", 3, True),
            f"{row['sweet_spot_budget']:.0f}", f"{row['think_tokens']:.1f}, {row['think_drift']:.1f}",
        ])
    return rows


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


GATES = [("sft_no_think", "SFT accuracy with no thinking (%)", "no_think_min"),
         ("sft_slope", "SFT slope (points/token): interval < 0", None),
         ("outcome_slope", "outcome-only GRPO slope (points/token): interval < 0", None)]


def gates_table(gates: dict[str, float], no_think_min: float) -> str:
    rows = []
    for name, what, _ in GATES:
        if name + "_passed" not in gates:
            rows.append([what, "not measured", "", "**not measured**"])
            continue
        if name not in gates:
            rows.append([what, "undefined (no slope or no interval)", "", "**failed**"])
            continue
        rule = f">= {no_think_min:g}" if name == "sft_no_think" else "high end < 0"
        value = f"{gates[name]:+.3f} [{gates[name + '_low']:+.3f}, {gates[name + '_high']:+.3f}]"
        rows.append([what, value, rule, "**passed**" if gates[name + "_passed"] else "**failed**"])
    return markdown_table(["gate", "value [95% interval over items]", "rule", "result"], rows)


TRAINING = [("rewards_accuracy_reward_mean", "accuracy", 2), ("completions_mean_length", "length (tokens)", 1),
            ("rewards_drift_mean", "drift share", 2), ("rewards_consistency_reward_mean", "consistency", 3),
            ("rewards_keyword_reward_mean", "keywords", 3), ("rewards_overthinking_reward_mean", "overthinking", 3)]


def training_rows(finals: pd.DataFrame) -> list[list[str]]:
    """Per method, the mean over seeds of each logged reward at the first and last tenth of GRPO."""
    rows = []
    for method, group in finals.groupby("method", sort=False):
        cells = [LABELS[method], f"{len(group)}"]
        for key, _, digits in TRAINING:
            cells.append(f"{group[key + '_first'].mean():.{digits}f} -> {group[key + '_last'].mean():.{digits}f}")
        rows.append(cells)
    return rows


def cesar_section(profile: str, setting: str, gates: dict[str, float], no_think_min: float, enforce: bool,
                  summary: pd.DataFrame, finals: pd.DataFrame, verdicts: list[Verdict]) -> str:
    failing = failed(gates)
    if not verdicts:
        judged = "No verdict: a method the claims compare is missing."
    elif failing and enforce:
        judged = (f"**Gate(s) {', '.join(failing)} failed**: this testbed does not show the precondition the claims "
                  "are about, so the verdicts below are computed as usual but are not evidence for or against the "
                  "paper (docs/cesar.md, 'Gates').\n\n" + verdict_table(verdicts))
    else:
        note = f" (gates failed but not enforced on this profile: {', '.join(failing)})" if failing else ""
        judged = verdict_table(verdicts) + note
    training_header = ["method", "runs", *(f"{what} (first -> last tenth)" for _, what, _ in TRAINING)]
    return f"""## CESAR: process rewards against test-time inverse scaling (profile `{profile}`)

{setting}

**Gates** (checked before methods are compared; `metrics/cesar/gates.json`):

{gates_table(gates, no_think_min)}
![cesar_scaling](cesar_scaling.png)

*Accuracy vs average reasoning tokens, panels sound / music / speech / total (CESAR Fig. 1); seed mean, 95 %
intervals over items.*

![cesar_slope](cesar_slope.png)

*Total accuracy vs tokens with the linear fit and the no-reasoning level; the slope with its 95 % interval, with
and without L = 0 (CESAR Fig. 3).*

![cesar_radar](cesar_radar.png)

*Accuracy at the largest budget by difficulty and task, 95 % bands (CESAR Fig. 4).*

**Table `cesar_ablation`** (also `cesar_ablation.md` / `cesar_ablation.png`); accuracies in %, slopes in accuracy
points per reasoning token, 95 % intervals over items of the seed-mean curve, "per-seed slopes" the mean and
interval over seeds; the "SFT base" row's paper numbers are the untuned Qwen2.5-Omni-7B's:

{markdown_table(HEADER, ablation_rows(summary))}
**What GRPO did to the traces** (training completions, mean over seeds, first vs last tenth of the steps; every
component is logged for every method, weight 0 where the method does not train on it):

{markdown_table(training_header, training_rows(finals))}
Where a GRPO step's CPU time goes is in each GRPO notebook's last output (`executed/42-cesar-grpo/`): clock
readings differ between runs, so they stay out of the metrics and of this report.

**Verdicts** (computed by `replication.eval.stats`, beside the paper's numbers):

{judged}
"""
