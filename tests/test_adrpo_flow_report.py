"""The ADRPO flow report's computed claims on synthetic runs whose answers are known."""

import numpy as np
import pandas as pd
import pytest

from replication.configs.adrpo_flow import parse_run
from replication.plots.adrpo_flow_report import (
    bites_verdicts,
    c2_verdict,
    plateau_verdicts,
    summarise,
    summary_metrics,
)


def finals_of(points: dict[str, list[tuple[float, float, float]]], testbed: str = "digits") -> pd.DataFrame:
    """run id -> one (reward, diversity, w2) per seed."""
    rows = []
    for run, seeds in points.items():
        method, value = parse_run(run)
        for seed, (reward, diversity, w2) in enumerate(seeds):
            rows.append({"testbed": testbed, "run": run, "method": method, "value": value, "seed": seed,
                         "train_reward": reward, "train_diversity": diversity, "train_w2": w2})
    return pd.DataFrame(rows)


def jitter(reward, diversity, w2, n=5, scale=0.002):
    return [(reward + scale * (i - 2), diversity + 10 * scale * (i - 2), w2 * (1 + 0.05 * (i - 2))) for i in range(n)]


BASE = {"train_reward": 0.70, "train_diversity": 9.0, "train_w2": 0.0}  # a point of every front
FRONTS = finals_of({
    # ADRPO: (reward, diversity) on the line r = 1.2 - 0.05 d; ORW-CFM-W2 0.05 lower at the same diversity
    "adrpo-0.1": jitter(0.85, 7.0, 0.10), "adrpo-1": jitter(0.80, 8.0, 0.01),
    "orw-1": jitter(0.80, 7.0, 0.30), "orw-10": jitter(0.75, 8.0, 0.03),
})


def test_summarise_gives_means_intervals_and_seed_counts():
    summary = summarise(FRONTS).set_index("run")
    assert summary.loc["adrpo-0.1", "train_reward"] == pytest.approx(0.85)
    assert summary.loc["adrpo-0.1", "train_reward_low"] < 0.85 < summary.loc["adrpo-0.1", "train_reward_high"]
    assert summary.loc["orw-10", "seeds"] == 5 and summary.loc["orw-10", "label"] == "ORW-CFM-W2 alpha=10"
    assert list(summary.index) == ["adrpo-0.1", "adrpo-1", "orw-1", "orw-10"]  # registry order, then coefficient


def test_c2_holds_for_a_front_that_lies_above():
    result = c2_verdict(FRONTS, "diversity", n_items=520, base=BASE)
    (part,) = result.parts
    # levels 7, 7.5, 8, 8.5, 9 (both fronts end at the pre-trained model): gaps 0.05, 0.05, 0.05, 0.025, 0
    assert part.effect.estimate == pytest.approx(0.035, abs=1e-6) and part.outcome == "held"
    assert result.outcome == "held" and part.n_seeds == 5 and part.n_items == 520
    assert "levels in [7, 9]" in part.claim
    # within every W2 budget up to ADRPO's largest (0.1) ADRPO reaches more reward too
    w2 = c2_verdict(FRONTS, "w2", n_items=520, base=BASE)
    assert w2.outcome == "held" and "levels in [0, 0.1]" in w2.parts[0].claim


def test_c2_does_not_hold_when_the_baseline_front_is_above():
    swapped = FRONTS.assign(method=FRONTS["method"].map({"adrpo": "orw", "orw": "adrpo"}))
    assert c2_verdict(swapped, "diversity", n_items=None, base=BASE).outcome == "did not hold"


def test_the_regulariser_bites_when_w2_falls_with_the_coefficient():
    (adrpo, orw) = bites_verdicts(FRONTS)
    assert adrpo.effect.estimate == pytest.approx(-1.0, abs=0.01) and adrpo.outcome == "held"
    assert orw.outcome == "held"
    flat = FRONTS.assign(train_w2=0.1)
    assert all(v.outcome != "held" for v in bites_verdicts(flat))


def test_plateau_is_the_last_quarters_gain():
    rows = []
    for seed in range(3):
        for step in range(0, 101, 25):
            rows.append({"run": "orw-1", "method": "orw", "seed": seed, "step": step, "reward": min(step, 50) / 100})
            rows.append({"run": "fixed_beta-0.1", "method": "fixed_beta", "seed": seed, "step": step,
                         "reward": step / 100 + 0.001 * seed})
    orw, fixed = plateau_verdicts(pd.DataFrame(rows))
    assert orw.effect.estimate == pytest.approx(0.0) and orw.outcome == "held"  # flat after step 50
    assert fixed.effect.estimate == pytest.approx(0.25) and fixed.outcome == "did not hold"  # still climbing


def test_summary_metrics_are_finite_numbers():
    verdicts = {"digits": [c2_verdict(FRONTS, "diversity", 520, BASE), *bites_verdicts(FRONTS)]}
    metrics = summary_metrics({"digits": summarise(FRONTS)}, verdicts)
    assert metrics["digits_adrpo-0.1_train_reward"] == pytest.approx(0.85)
    assert metrics["digits_claim0_outcome"] == 1 and all(np.isfinite(v) for v in metrics.values())
