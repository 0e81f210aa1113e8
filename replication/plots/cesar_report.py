"""The CESAR section of figures/README.md and the ablation table, with verdicts computed from the numbers."""

from __future__ import annotations

import pandas as pd

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
          "slope /token (ours)", "slope (paper)", "sweet spot L (ours, seed mean)"]


def _paper(method: str, key: str, digits: int) -> str:
    value = PAPER.get(method, {}).get(key)
    return "n/a" if value is None else f"{value:.{digits}f}"


def ablation_rows(table: pd.DataFrame) -> list[list[str]]:
    rows = []
    for method, row in table.iterrows():
        rows.append([
            LABELS[method], f"{int(row['runs'])}",
            f"{row['think']:.1f} ± {row['think_sd']:.1f}", _paper(method, "think", 1),
            f"{row['no_think']:.1f} ± {row['no_think_sd']:.1f}", _paper(method, "no_think", 1),
            f"{row['slope']:+.4f} ± {row['slope_sd']:.4f}", _paper(method, "slope", 4),
            f"{row['sweet_spot_budget']:.0f}",
        ])
    return rows


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows]) + "\n"


def _slopes(summaries: pd.DataFrame, method: str) -> pd.Series:
    return summaries.loc[summaries["method"] == method, "slope"]


def scaling_verdicts(summaries: pd.DataFrame) -> list[str]:
    """Plain sentences: did outcome-only GRPO scale inversely, and did CESAR reverse it (from the slopes)."""
    sentences = []
    outcome, cesar = _slopes(summaries, "outcome"), _slopes(summaries, "cesar")
    if len(outcome):
        negative = int((outcome < 0).sum())
        shown = "showed" if outcome.mean() < 0 else "did not show"
        sentences.append(
            f"Outcome-only GRPO **{shown} test-time inverse scaling** at this scale: mean slope "
            f"{outcome.mean():+.4f} accuracy points per reasoning token (sd {outcome.std(ddof=1):.4f} over "
            f"{len(outcome)} seeds; negative in {negative} of {len(outcome)}). The paper: -0.007 (Ke-Omni-R)."
        )
    if len(cesar) and len(outcome):
        if cesar.mean() > 0 and outcome.mean() < 0:
            verdict = "reversed it"
        elif cesar.mean() > outcome.mean():
            verdict = "raised the slope" + (" but did not reverse an inverse scaling" if outcome.mean() < 0 else
                                           " (there was no inverse scaling to reverse)")
        else:
            verdict = "did not improve the slope"
        positive = int((cesar > 0).sum())
        sentences.append(
            f"CESAR **{verdict}**: mean slope {cesar.mean():+.4f} (sd {cesar.std(ddof=1):.4f}; positive in "
            f"{positive} of {len(cesar)} seeds) against {outcome.mean():+.4f} for outcome-only. The paper: +0.0383."
        )
    return sentences


def truncation_note(curves: pd.DataFrame) -> str:
    """How many models answer worse after a cut-short thinking (smallest L > 0) than with none (L = 0)."""
    mean = curves.groupby(["method", "budget"])["total"].mean()
    first = min(b for b in curves["budget"].unique() if b > 0)
    methods = list(dict.fromkeys(curves["method"]))
    worse = [m for m in methods if mean[(m, first)] < mean[(m, 0)]]
    return (f"At the smallest budget with reasoning (L = {first}) the accuracy is below the no-reasoning accuracy "
            f"for {len(worse)} of {len(methods)} models: a thinking cut short before its conclusion hurts more "
            "than no thinking, so the straight-line slope mixes that dip with the gain of finished reasoning.")


def cesar_section(table: pd.DataFrame, summaries: pd.DataFrame, profile: str, budgets: list[int],
                  n_items: int, curves: pd.DataFrame | None = None) -> str:
    rows = ablation_rows(table)
    sentences = scaling_verdicts(summaries) + ([truncation_note(curves)] if curves is not None else [])
    verdicts = "\n".join(f"- {s}" for s in sentences)
    return f"""## CESAR: process rewards against test-time inverse scaling (profile `{profile}`)

Qwen2.5-Omni's Thinker (`Qwen2_5OmniThinkerForConditionalGeneration`, toy widths, trained here from scratch:
SFT on templated reasoning traces, then GRPO through TRL) on the synthetic MMAU-format corpus; the paper uses
Qwen2.5-Omni-7B on AVQA and the real MMAU test-mini, so only the *shapes* (slopes, orderings) are comparable,
not the accuracy levels. Thinking budgets L = {budgets} (the paper's 0..250 scaled to ~50-token traces),
{n_items} test-mini items per budget, greedy decoding, accuracy by MMAU's string-match rule.
"think" is the accuracy at the largest budget, "no-think" at L = 0; the slope is the least-squares slope of
total accuracy on the reasoning tokens actually used, mean ± sd over seeds.

![cesar_scaling](cesar_scaling.png)

*Accuracy vs average reasoning tokens, panels sound / music / speech / total (CESAR Fig. 1).*

![cesar_slope](cesar_slope.png)

*Total accuracy vs tokens with the linear fit and the no-reasoning level, slope per method (CESAR Fig. 3).*

![cesar_radar](cesar_radar.png)

*Accuracy at the largest budget by difficulty and task (CESAR Fig. 4).*

**Table `cesar_ablation`** (also `cesar_ablation.md` / `cesar_ablation.png`); the "SFT base" row's paper
numbers are the untuned Qwen2.5-Omni-7B's:

{markdown_table(HEADER, rows)}
{verdicts}
"""
