"""CESAR's analysis: slope intervals by hand, gates, verdicts computed from item outcomes (case table), the
figures and the report drawn from scaling files."""

import json

import numpy as np
import pandas as pd
import pytest

from replication.eval.cesar_gates import failed, outcome_gate, require, sft_gates
from replication.eval.cesar_verdicts import gates_and_verdicts, method_arrays, method_summary
from replication.eval.scaling import budgets_from_quantiles, curve_slope
from replication.eval.scaling_intervals import seed_mean, slope_difference_interval, slope_interval
from replication.eval.stats import Interval
from replication.plots.cesar import curve_points, load_items, radar_figure, scaling_figure, slope_figure
from replication.plots.cesar_report import ablation_rows, cesar_section, gates_table
from replication.rl.step_timing import split_step_time

BUDGETS = (0, 10, 20)


def test_curve_slope_by_hand_and_vectorised():
    # accuracies 100, 50, 0 % at 0, 10, 20 tokens: slope -5 points per token
    correct = np.array([[1, 1], [1, 0], [0, 0]])
    tokens = np.array([[0, 0], [10, 10], [20, 20]])
    assert curve_slope(correct, tokens) == pytest.approx(-5.0)
    stacked = np.stack([correct, correct[::-1]], axis=1)  # (B, 2 resamples, N)
    assert curve_slope(stacked, np.stack([tokens, tokens], axis=1)).tolist() == pytest.approx([-5.0, 5.0])


def test_budgets_from_quantiles():
    assert budgets_from_quantiles([10, 20, 30, 40, 50], [0.25, 0.5, 1.0]) == [0, 20, 30, 50]
    assert budgets_from_quantiles([7, 7, 7], [0.5, 1.0]) == [0, 7]  # equal quantiles kept once


def _curve(rng, n, accuracies, tokens):
    """(B, N) outcomes with exactly the given accuracy per budget (items drawn at random), constant tokens."""
    correct = np.stack([rng.permutation(n) < round(a * n) for a in accuracies]).astype(float)
    return correct, np.tile(np.asarray(tokens, float)[:, None], (1, n))


def test_slope_interval_brackets_a_clear_slope_and_excludes_zero():
    rng = np.random.default_rng(0)
    correct, tokens = _curve(rng, 600, [0.85, 0.75, 0.65], [0, 20, 40])  # -0.5 points per token
    interval = slope_interval(correct, tokens)
    assert interval.low < -0.5 < interval.high and interval.high < 0
    flat = slope_interval(correct, np.zeros_like(tokens))
    assert np.isnan(flat.estimate) and flat.low == -np.inf  # no slope without varying tokens
    other, _ = _curve(rng, 600, [0.85, 0.85, 0.85], [0, 20, 40])
    difference = slope_difference_interval(other, tokens, correct, tokens)
    assert difference.low > 0  # a flat curve beats a falling one, paired over the same items


def test_gates_pass_fail_and_refuse():
    ok = sft_gates(Interval(85.0, 82.0, 88.0), Interval(-0.3, -0.4, -0.2), no_think_min=60.0)
    assert failed(ok) == [] and require(ok, True, "GRPO") == []
    bad = {**sft_gates(Interval(55.0, 50.0, 60.0), Interval(-0.1, -0.3, 0.1), 60.0),
           **outcome_gate(Interval(-0.1, -0.2, -0.05))}
    assert failed(bad) == ["sft_no_think", "sft_slope"]
    assert require(bad, False, "GRPO") == ["sft_no_think", "sft_slope"]  # reported, not enforced
    with pytest.raises(RuntimeError, match="sft_no_think = \\+55.000"):
        require(bad, True, "GRPO")
    assert "**failed**" in gates_table(bad, 60.0) and "**passed**" in gates_table(bad, 60.0)


def _items(curves: dict, n=600, seed=0) -> pd.DataFrame:
    """Long item outcomes for {(method, seed): (accuracies per budget, tokens per budget)}."""
    rng = np.random.default_rng(seed)
    rows = []
    for (method, run_seed), (accuracies, tokens) in curves.items():
        correct, used = _curve(rng, n, accuracies, tokens)
        for b, budget in enumerate(BUDGETS):
            rows += [{"method": method, "seed": run_seed, "id": f"i{i:04d}", "budget": budget,
                      "correct": int(correct[b, i]), "tokens": used[b, i], "drifted": 0,
                      "task": ("sound", "music", "speech")[i % 3], "difficulty": ("easy", "medium", "hard")[i % 3]}
                     for i in range(n)]
    return pd.DataFrame(rows)


FALLING, FLAT, RISING = [0.85, 0.75, 0.65], [0.8, 0.8, 0.8], [0.7, 0.8, 0.85]
TOKENS = [0, 20, 40]
SFT = {"sft_no_think": 85.0, "sft_no_think_low": 82.0, "sft_no_think_high": 88.0, "sft_no_think_passed": 1.0}


@pytest.mark.parametrize("outcome, cesar, ablation, c4, c5", [
    (FALLING, RISING, FLAT, "held", "held"),  # the paper's findings
    (FALLING, FALLING, FALLING, "did not hold", "inconclusive"),  # CESAR no better; the ablation ties
    (FLAT, RISING, [0.9, 0.9, 0.9], "inconclusive", "did not hold"),  # no inverse scaling; ablation better
])
def test_verdicts_follow_the_item_outcomes(outcome, cesar, ablation, c4, c5):
    curves = {("sft", -1): (FALLING, TOKENS)}
    curves.update({("outcome", s): (outcome, TOKENS) for s in (0, 1)})
    curves.update({("cesar", s): (cesar, TOKENS) for s in (0, 1)})
    curves.update({(m, 0): (ablation, TOKENS) for m in ("cesar_no_consistency", "cesar_no_consistency_keywords")})
    items = _items(curves)
    gates, verdicts = gates_and_verdicts(items, SFT)
    by_claim = {v.claim.split(":")[0]: v for v in verdicts}
    assert by_claim["C4"].outcome == c4 and by_claim["C5"].outcome == c5
    assert gates["outcome_slope_passed"] == float(outcome is FALLING)
    assert by_claim["C4"].parts[0].n_items == 600 and by_claim["C4"].parts[0].n_seeds == 2


def test_method_arrays_and_summary_keep_items_aligned():
    items = _items({("outcome", 0): (FALLING, TOKENS), ("outcome", 1): (FLAT, TOKENS)})
    correct, tokens, seeds = method_arrays(items, "outcome")
    assert correct.shape == (2, 3, 600) and seeds == [0, 1]
    assert seed_mean(correct).shape == (3, 600)
    summary = method_summary(items)
    assert summary.loc["outcome", "runs"] == 2 and summary.loc["outcome", "slope_high"] < 0
    assert summary.loc["outcome", "think_low"] < summary.loc["outcome", "think"] < summary.loc["outcome", "think_high"]


def test_figures_and_report_from_scaling_files(tmp_path):
    curves = {("sft", -1): (FALLING, TOKENS), ("outcome", 0): (FALLING, TOKENS), ("cesar", 0): (RISING, TOKENS)}
    items = _items(curves, n=90)
    dirs = {}
    for method, seed in curves:  # in the order the figures notebook lists them
        group = items[(items["method"] == method) & (items["seed"] == seed)]
        run = tmp_path / f"{method}{seed}"
        run.mkdir()
        group[["id", "budget", "correct", "tokens", "drifted"]].to_csv(run / "items.csv", index=False)
        dirs[(method, seed)] = run
    meta = items[["id", "task", "difficulty"]].drop_duplicates()
    loaded = load_items(dirs, meta)
    assert len(loaded) == len(items)
    points = curve_points(loaded)
    summary = method_summary(loaded)
    for figure in (scaling_figure(points), slope_figure(points, summary), radar_figure(points)):
        assert figure.axes
    assert ablation_rows(summary)[2][0] == "CESAR" and ablation_rows(summary)[2][3] == "77.1"
    gates, verdicts = gates_and_verdicts(loaded, SFT)
    finals = pd.DataFrame([{"method": m, "rewards_accuracy_reward_mean_first": 0.6,
                            "rewards_accuracy_reward_mean_last": 0.7, "completions_mean_length_first": 50.0,
                            "completions_mean_length_last": 40.0, "rewards_drift_mean_first": 0.3,
                            "rewards_drift_mean_last": 0.1, "rewards_consistency_reward_mean_first": 0.2,
                            "rewards_consistency_reward_mean_last": 0.3, "rewards_keyword_reward_mean_first": 0.4,
                            "rewards_keyword_reward_mean_last": 0.5, "rewards_overthinking_reward_mean_first": 0.5,
                            "rewards_overthinking_reward_mean_last": 0.6}
                           for m in ("outcome", "cesar")])
    section = cesar_section("smoke", "setting", gates, 60.0, True, summary, finals, verdicts)
    assert "![cesar_scaling](cesar_scaling.png)" in section and "C4: outcome-only" in section
    assert "0.300 -> 0.100" not in section and "0.30 -> 0.10" in section  # drift share, 2 digits
    gated = cesar_section("smoke", "setting", {**gates, "sft_no_think_passed": 0.0}, 60.0, True, summary, finals,
                             verdicts)
    assert "Gate(s) sft_no_think failed" in gated and "not evidence" in gated
    assert gated.index("not evidence") < gated.index("C4: outcome-only")  # the warning stands above the table


def test_split_step_time():
    assert split_step_time(1.0, 0.25, 1.5, 2.5) == {"generation": 1.0, "reward": 0.25, "reference": 0.25,
                                                    "loss": 1.0}
    assert json.dumps(split_step_time(0.5, 0.0, 0.5, 0.5))
