"""The digits experiment's claims, judged by ``replication.eval.stats`` from the runs' final evaluations.

``finals``: one row per (alpha, seed) run with its final metrics (``final.json``); ``base``: the base model's
metrics on the same evaluation noise. Seeds of different alphas are independent, so every comparison is a
``difference_of_means`` over seeds; each run's numbers come from ``eval_samples`` samples.
"""

from __future__ import annotations

import pandas as pd

from replication.eval.stats import Interval, Verdict, all_of, difference_of_means, mean_interval, verdict

METRICS = ["reward", "even_fraction", "class_entropy", "even_class_entropy", "within_class_diversity",
           "feature_diversity", "w2"]
PAPER = {  # what ORW-CFM-W2 reports (PAPERS.md section 3), beside each claim
    "digits": "MNIST: alpha = 0 collapses to copies of one digit; 0.3 balanced, 0.8 keeps the most",
    "digits_part": "one digit at alpha = 0",
    "reward": "reward ≈ 1.0 for every alpha",
    "within": "not measured (MNIST grids only)",
    "w2": "CIFAR: W2 ≈ 0.003 at alpha = 1 vs 0.09 at alpha = 0",
    "rises": "0.43 -> ≈ 1.0 in ≈ 10k steps, every alpha",
    "control": "collapse attributed to the reward (the policy converges to its argmax)",
}
PAPER_BALANCED_ALPHA = 0.3  # "the balanced setting" of the paper's MNIST study, at its tau = 0.5


def _values(finals: pd.DataFrame, alpha: float, metric: str) -> list[float]:
    return finals.loc[finals["alpha"] == alpha, metric].tolist()


def _seeds(finals: pd.DataFrame, *alphas: float) -> int:
    return min(int((finals["alpha"] == alpha).sum()) for alpha in alphas)


def seed_means(finals: pd.DataFrame, metrics: list[str] = METRICS) -> dict[float, dict[str, Interval]]:
    """Per alpha and metric: the mean over seeds with its 95% interval."""
    return {alpha: {m: mean_interval(_values(finals, alpha, m)) for m in metrics} for alpha in sorted(finals["alpha"].unique())}


def effects(finals: pd.DataFrame, metrics: list[str] = METRICS) -> dict[float, dict[str, Interval]]:
    """Per alpha > 0 and metric: mean(alpha) - mean(alpha = 0) over independent seeds, with its 95% interval."""
    return {
        alpha: {m: difference_of_means(_values(finals, alpha, m), _values(finals, 0.0, m)) for m in metrics}
        for alpha in sorted(finals["alpha"].unique()) if alpha != 0.0
    }


def balanced_alpha(finals: pd.DataFrame) -> float:
    """The sweep's alpha whose paper equivalent (``paper_alpha``, same pull at r = 1) is nearest the paper's 0.3."""
    equivalents = finals.groupby("alpha")["paper_alpha"].first()
    return float((equivalents - PAPER_BALANCED_ALPHA).abs().idxmin())


def orw_verdicts(finals: pd.DataFrame, base: dict[str, float], reward_margin: float, eval_samples: int,
                 control: pd.DataFrame | None = None) -> list[Verdict]:
    """C1 to C6 (docs/orw.md), each part an interval over seeds against the side the paper predicts.

    C1, the issue's claim: every alpha > 0 keeps more even digits (even-class entropy) than alpha = 0, and the
    weakest alpha > 0 keeps its reward within ``reward_margin`` of alpha = 0's. C2: every alpha > 0 keeps more
    variety within a digit. C3: the strongest alpha ends nearer the base (W2 proxy). C4: every alpha raises the
    reward above the base's. C5: the paper's balanced alpha (0.3, rescaled) keeps its reward within the margin.
    C6 (with ``control``, the alpha = 0 runs without reward): alpha = 0 ends with fewer even digits than the
    reward-free loop, i.e. the reward, not the loop alone, drives its collapse.
    """
    alphas = sorted(finals["alpha"].unique())
    if 0.0 not in alphas or len(alphas) < 2:
        raise ValueError(f"the claims compare alpha = 0 with alphas > 0; the sweep has {alphas}")
    regularised = [a for a in alphas if a > 0]
    gaps = effects(finals, ["reward", "even_class_entropy", "within_class_diversity", "w2"])
    weakest, strongest = regularised[0], regularised[-1]

    def part(claim: str, alpha: float, metric: str, direction: str, paper: str, threshold: float = 0.0) -> Verdict:
        return verdict(claim, gaps[alpha][metric], direction, _seeds(finals, alpha, 0.0), eval_samples, paper, threshold)

    c1 = all_of("C1: W2 keeps the digits alpha = 0 loses, at a similar reward", [
        *(part(f"even-digit entropy, alpha {a:g} - alpha 0", a, "even_class_entropy", "greater", PAPER["digits_part"])
          for a in regularised),
        part(f"reward, alpha {weakest:g} - alpha 0 (margin {reward_margin:g})", weakest, "reward", "greater",
             PAPER["reward"], threshold=-reward_margin),
    ], paper=PAPER["digits"])
    c2 = all_of("C2: W2 keeps the variety within a digit", [
        part(f"within-class diversity, alpha {a:g} - alpha 0", a, "within_class_diversity", "greater", PAPER["within"])
        for a in regularised
    ], paper=PAPER["within"])
    c3 = part(f"C3: W2 proxy, alpha {strongest:g} - alpha 0", strongest, "w2", "less", PAPER["w2"])
    c4 = all_of("C4: the reward rises above the base's for every alpha", [
        verdict(f"reward, alpha {a:g} - base", mean_interval([r - base["reward"] for r in _values(finals, a, "reward")]),
                "greater", _seeds(finals, a), eval_samples, PAPER["rises"])
        for a in alphas
    ], paper=PAPER["rises"])
    balanced = balanced_alpha(finals)
    c5 = part(f"C5: reward at the paper's balanced alpha ({balanced:g}) - alpha 0 (margin {reward_margin:g})", balanced,
              "reward", "greater", PAPER["reward"], threshold=-reward_margin)
    claims = [c1, c2, c3, c4, c5]
    if control is not None:
        unregularised = _values(finals, 0.0, "even_class_entropy")
        claims.append(verdict(
            "C6: even-digit entropy, alpha 0 - the same loop without reward (tau 0)",
            difference_of_means(unregularised, control["even_class_entropy"].tolist()), "less",
            min(len(unregularised), len(control)), eval_samples, PAPER["control"]))
    return claims


OUTCOME_CODE = {"held": 1, "inconclusive": 0, "did not hold": -1}  # for the metrics file (numbers only)
