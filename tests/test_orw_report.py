"""The ORW claims are computed from the runs' numbers through the statistics module: a case table, and the report
section around them."""

import numpy as np
import pandas as pd
import pytest

from replication.eval.orw_claims import orw_verdicts
from replication.eval.gates import gate_metrics
from replication.plots.orw_report import Setting, gate_subset, orw_section, run_labels

BASE = {"reward": 0.55, "even_class_entropy": 1.45, "class_entropy": 2.2, "within_class_diversity": 9.5}


def finals(per_alpha, seeds=5, spread=0.01):
    """Five seeds per alpha around the given means: (reward, even entropy, within-class diversity, w2)."""
    rows = []
    for alpha, (reward, entropy, within, w2) in per_alpha.items():
        for seed, jitter in enumerate(np.linspace(-spread, spread, seeds)):
            rows.append({"alpha": alpha, "seed": seed, "reward": reward + jitter, "even_fraction": reward,
                         "class_entropy": entropy + 0.5, "even_class_entropy": entropy + jitter,
                         "within_class_diversity": within + jitter, "feature_diversity": within + 1, "w2": w2 + jitter / 10,
                         "pull_at_base_reward": alpha / (5 + alpha), "pull_at_optimum": alpha / (20 + alpha),
                         "paper_alpha": alpha / 12})
    return pd.DataFrame(rows)


OUTCOMES = ["held", "did not hold", "inconclusive"]


@pytest.mark.parametrize(
    ("per_alpha", "spread", "expected"),
    [
        # the paper's picture: alpha = 0 collapses, the weakest alpha keeps digits at the same reward
        ({0.0: (0.99, 0.1, 4.0, 0.3), 1.0: (0.98, 0.6, 6.0, 0.2), 3.0: (0.90, 1.1, 8.0, 0.1)}, 0.01,
         ["held", "held", "held", "held", "did not hold"]),
        # diversity kept, but the weakest alpha pays 0.2 in reward: C1 fails on its reward margin
        ({0.0: (0.99, 0.1, 4.0, 0.3), 1.0: (0.79, 0.6, 6.0, 0.2), 3.0: (0.70, 1.1, 8.0, 0.1)}, 0.01,
         ["did not hold", "held", "held", "held", "did not hold"]),
        # regularised runs collapse as much as alpha = 0 did, and drift as far: C1, C2, C3 do not hold
        ({0.0: (0.99, 0.5, 6.0, 0.1), 1.0: (0.99, 0.2, 4.0, 0.3), 3.0: (0.98, 0.3, 5.0, 0.3)}, 0.01,
         ["did not hold", "did not hold", "did not hold", "held", "held"]),
        # differences smaller than the spread over seeds: nothing is decided
        ({0.0: (0.99, 0.5, 6.0, 0.2), 1.0: (0.99, 0.52, 6.02, 0.2), 3.0: (0.985, 0.51, 6.01, 0.2)}, 0.2,
         ["inconclusive", "inconclusive", "inconclusive", "held", "inconclusive"]),
    ],
)
def test_claim_outcomes_case_table(per_alpha, spread, expected):
    verdicts = orw_verdicts(finals(per_alpha, spread=spread), BASE, reward_margin=0.05, eval_samples=512)
    assert [v.outcome for v in verdicts] == expected
    assert all(v.n_seeds == 5 and v.n_items == 512 for v in verdicts)


def test_c1_reward_part_uses_the_margin_as_threshold():
    verdicts = orw_verdicts(finals({0.0: (0.99, 0.1, 4.0, 0.3), 1.0: (0.96, 0.6, 6.0, 0.2)}), BASE, 0.05, 512)
    reward_part = verdicts[0].parts[-1]
    assert reward_part.threshold == -0.05 and reward_part.effect.estimate == pytest.approx(-0.03)
    assert reward_part.outcome == "held"  # 0.03 below alpha = 0, inside the margin


def test_c5_judges_the_alpha_nearest_the_papers_balanced_one_and_c6_the_control():
    runs = finals({0.0: (0.99, 0.1, 4.0, 0.3), 1.0: (0.98, 0.6, 6.0, 0.2), 4.0: (0.96, 1.1, 8.0, 0.1)})
    # paper equivalents alpha / 12: 0.083 and 0.333 -> alpha 4 is the balanced one, 0.03 below alpha = 0
    c5 = orw_verdicts(runs, BASE, 0.05, 512)[4]
    assert "balanced alpha (4)" in c5.claim and c5.outcome == "held"
    collapsed = finals({0.0: (0.7, 0.1, 4.0, 0.3)}, seeds=3)  # the loop without reward collapses as much
    kept = finals({0.0: (0.6, 1.2, 9.0, 0.1)}, seeds=3)  # the loop without reward keeps its digits
    assert orw_verdicts(runs, BASE, 0.05, 512, collapsed)[5].outcome == "inconclusive"
    c6 = orw_verdicts(runs, BASE, 0.05, 512, kept)[5]
    assert c6.outcome == "held" and c6.n_seeds == 3 and c6.effect.estimate == pytest.approx(-1.1)


def test_claims_need_alpha_zero_and_a_regularised_alpha():
    with pytest.raises(ValueError, match="alpha = 0"):
        orw_verdicts(finals({1.0: (0.9, 1.0, 6.0, 0.2)}), BASE, 0.05, 512)


def gates(pull):
    return gate_subset({**gate_metrics("classifier_accuracy", 0.95, 0.9, 1.01),
                        **gate_metrics("strongest_pull", pull, 0.25, 1.0), "unrelated": 3.0})


def section(pull, control=None):
    runs = finals({0.0: (0.99, 0.1, 4.0, 0.3), 3.0: (0.9, 1.1, 8.0, 0.1)})
    setting = Setting("tiny", 3.0, 300, 512, 0.05, run_labels(runs))
    return orw_section(runs, BASE, gates(pull), setting, control)


def test_report_section_shows_gates_pulls_effects_and_the_verdict_table():
    text = section(pull=0.4)
    for expected in ("orw_mnist_grid.png", "orw_mnist_reward.png", "orw_tradeoff.png", "| claim |", "C1:",
                     "reward classifier, held-out accuracy | 0.950", "alpha = 3 (paper 0.25)", "**Effect sizes**"):
        assert expected in text
    assert "unrelated" not in text and "(5 seeds per alpha)" in text and "Control" not in text


def test_report_section_lists_the_control_beside_alpha_zero():
    text = section(pull=0.4, control=finals({0.0: (0.7, 0.1, 4.0, 0.3)}, seeds=3))
    assert "no reward (tau 0), 3 seeds" in text and "alpha = 0 - no reward" in text and "C6:" in text


def test_run_labels_are_sorted_by_alpha():
    runs = finals({3.0: (0.9, 1.1, 8.0, 0.1), 0.0: (0.99, 0.1, 4.0, 0.3), 12.0: (0.7, 1.3, 9.0, 0.05)})
    assert run_labels(runs) == {0.0: "alpha = 0 (paper 0)", 3.0: "alpha = 3 (paper 0.25)", 12.0: "alpha = 12 (paper 1)"}


def test_a_failed_gate_replaces_the_verdicts_by_not_tested():
    text = section(pull=0.1)
    assert "**FAILED**" in text and "**Not tested**" in text and "| claim |" not in text
