"""CESAR's claims, judged from the scaling stages' item-level outcomes through ``replication.eval.stats``.

Input: ``items``, the long table of every (method, seed, item, budget) outcome (``correct``, ``tokens``,
``drifted``), as the scaling stages write it (``items.csv``). Each method is represented by its seed-mean curve
(``scaling_intervals``); intervals are bootstraps over the test items, paired across budgets and across methods.

Claims (PAPERS.md section 1; "think" = the largest budget, "no-think" = L = 0):

    C4  outcome-only GRPO scales inversely and CESAR does not: all of
        (a) outcome-only's slope < 0                         paper -0.007
        (b) CESAR's slope - outcome-only's > 0               paper +0.045 (+0.0383 vs -0.007)
        (c) CESAR's slope > 0                                paper +0.0383
    C5  removing process rewards lowers accuracy (think): all of
        (a) CESAR - CESAR without consistency > 0            paper +0.9 points (77.1 vs 76.2)
        (b) CESAR - CESAR without consistency and keywords > 0   paper +1.9 points (77.1 vs 75.2)
    overthinking penalty: CESAR's slope - CESAR without the penalty's > 0      paper +0.030 (+0.0383 vs +0.0084)

API
---
``method_arrays(items, method) -> (correct, tokens, seeds)``: (S, B, N) arrays, budgets ascending, items by id.
``method_summary(items) -> DataFrame``: per method: runs, think / no-think accuracy, think - no-think (paired),
    slope with and without L = 0, the per-seed slopes' mean and interval, tokens and drift at the largest budget,
    each estimate with ``_low`` / ``_high``.
``gates_and_verdicts(items, sft_gates) -> (gates, verdicts)``: every gate (the SFT ones passed in, outcome-only's
    computed here) and the list of ``Verdict`` (empty when a method they need is missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replication.eval.cesar_gates import outcome_gate
from replication.eval.scaling import curve_slope
from replication.eval.scaling_intervals import (accuracy_interval, paired_accuracy_difference, seed_mean,
                                                slope_difference_interval, slope_interval)
from replication.eval.stats import Interval, Verdict, all_of, mean_interval, verdict


def method_arrays(items: pd.DataFrame, method: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
    rows = items[items["method"] == method]
    if rows.empty:
        raise KeyError(f"no outcomes for method {method!r}")
    seeds = sorted(rows["seed"].unique())
    per_seed = [rows[rows["seed"] == s] for s in seeds]
    correct = np.stack([r.pivot(index="budget", columns="id", values="correct").to_numpy() for r in per_seed])
    tokens = np.stack([r.pivot(index="budget", columns="id", values="tokens").to_numpy() for r in per_seed])
    return correct, tokens, [int(s) for s in seeds]


def _columns(name: str, interval: Interval) -> dict[str, float]:
    return {name: interval.estimate, f"{name}_low": interval.low, f"{name}_high": interval.high}


def method_summary(items: pd.DataFrame) -> pd.DataFrame:
    rows = {}
    for method in dict.fromkeys(items["method"]):
        correct, tokens, seeds = method_arrays(items, method)
        c, t = seed_mean(correct), seed_mean(tokens)
        drifted = items[(items["method"] == method) & (items["budget"] == items["budget"].max())]["drifted"]
        per_seed = [float(curve_slope(cs, ts)) for cs, ts in zip(correct, tokens) if np.ptp(ts.mean(axis=1)) > 0]
        rows[method] = {
            "runs": len(seeds), **_columns("think", accuracy_interval(c[-1])),
            **_columns("no_think", accuracy_interval(c[0])),
            **_columns("gain", paired_accuracy_difference(c[-1], c[0])),
            **_columns("slope", slope_interval(c, t)),
            **_columns("slope_no_zero", slope_interval(c, t, include_zero=False)),
            **_columns("seed_slope", mean_interval(per_seed) if per_seed else Interval(np.nan, -np.inf, np.inf)),
            "sweet_spot_budget": float(sorted(items["budget"].unique())[int(np.argmax(c.mean(axis=1)))]),
            "think_tokens": float(t[-1].mean()), "think_drift": 100.0 * float(drifted.mean()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _pair(items, treatment, control):
    (tc, tt, ts), (cc, ct, cs) = method_arrays(items, treatment), method_arrays(items, control)
    return (seed_mean(tc), seed_mean(tt)), (seed_mean(cc), seed_mean(ct)), min(len(ts), len(cs))


def gates_and_verdicts(items: pd.DataFrame, sft_gates: dict[str, float]) -> tuple[dict[str, float], list[Verdict]]:
    methods = set(items["method"])
    n_items = int(items["id"].nunique())
    gates = dict(sft_gates)
    verdicts: list[Verdict] = []
    if "outcome" in methods:
        correct, tokens, seeds = method_arrays(items, "outcome")
        outcome_slope = slope_interval(seed_mean(correct), seed_mean(tokens))
        gates.update(outcome_gate(outcome_slope))
    if {"outcome", "cesar"} <= methods:
        (cc, ct), (oc, ot), n = _pair(items, "cesar", "outcome")
        verdicts.append(all_of("C4: outcome-only GRPO scales inversely, CESAR does not", [
            verdict("outcome-only's slope < 0 (points/token)", outcome_slope, "less", len(seeds), n_items,
                    paper="-0.007"),
            verdict("CESAR's slope - outcome-only's > 0", slope_difference_interval(cc, ct, oc, ot), "greater", n,
                    n_items, paper="+0.045"),
            verdict("CESAR's slope > 0", slope_interval(cc, ct), "greater", n, n_items, paper="+0.0383"),
        ], paper="slopes -0.007 vs +0.0383"))
    parts = []
    for ablation, paper in (("cesar_no_consistency", "+0.9 (77.1 vs 76.2)"),
                            ("cesar_no_consistency_keywords", "+1.9 (77.1 vs 75.2)")):
        if {"cesar", ablation} <= methods:
            (cc, _), (ac, _), n = _pair(items, "cesar", ablation)
            what = "consistency" if ablation == "cesar_no_consistency" else "consistency and keywords"
            parts.append(verdict(f"think accuracy: CESAR - CESAR without {what} > 0 (points)",
                                 paired_accuracy_difference(cc[-1], ac[-1]), "greater", n, n_items, paper=paper))
    if parts:
        verdicts.append(all_of("C5: removing process rewards lowers accuracy", parts, paper="77.1 > 76.2 > 75.2"))
    if {"cesar", "cesar_no_overthinking"} <= methods:
        (cc, ct), (nc, nt), n = _pair(items, "cesar", "cesar_no_overthinking")
        verdicts.append(verdict("The overthinking penalty raises the slope: CESAR - CESAR without it > 0",
                                slope_difference_interval(cc, ct, nc, nt), "greater", n, n_items,
                                paper="+0.030 (+0.0383 vs +0.0084)"))
    return gates, verdicts
