"""The ADRPO LLM experiment's section of figures/README.md: measured numbers beside the paper's and a verdict
computed from them."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["reward", "solved", "distinct_solved", "entropy", "kl"]
# ADRPO Fig. 3 (Qwen2), read off the authors' plot (PAPERS.md section 2): final reward / entropy
PAPER_QWEN2 = {"ADRPO": (1.6, 3.5), "GRPO": (0.45, 4.95), "pre-trained": (0.51, 5.4)}


def final_table(probes: pd.DataFrame) -> pd.DataFrame:
    """Last probe of every run, then mean and half-range over seeds, one row per (arch, label)."""
    last = probes.sort_values("step").groupby(["arch", "label", "seed"]).tail(1)
    grouped = last.groupby(["arch", "label"])[COLUMNS]
    return grouped.mean().join((grouped.max() - grouped.min()) / 2, rsuffix="_spread")


def beat_verdict(table: pd.DataFrame, arch: str, margin: float) -> tuple[bool, str]:
    """Did the best ADRPO setting end with a higher mean reward than the best fixed-beta GRPO setting (by more
    than ``margin``)? Returns the answer and a sentence with the numbers and the entropies."""
    rows = table.loc[arch]
    adrpo = rows[rows.index.str.startswith("ADRPO")]
    grpo = rows[rows.index.str.startswith("GRPO")]
    best_a, best_g = adrpo["reward"].idxmax(), grpo["reward"].idxmax()
    a, g = adrpo.loc[best_a], grpo.loc[best_g]
    beat = bool(a["reward"] > g["reward"] + margin)
    sentence = (
        f"{arch}: best ADRPO ({best_a}) final reward {a['reward']:.3f} ± {a['reward_spread']:.3f} vs best GRPO "
        f"({best_g}) {g['reward']:.3f} ± {g['reward_spread']:.3f}; entropy {a['entropy']:.2f} vs {g['entropy']:.2f}, "
        f"KL to base {a['kl']:.3f} vs {g['kl']:.3f}. "
        + ("ADRPO beat fixed-β GRPO on reward." if beat else f"ADRPO did NOT beat fixed-β GRPO (margin {margin:g}).")
    )
    return beat, sentence


def effective_beta_table(training: pd.DataFrame) -> pd.DataFrame:
    """ADRPO runs' effective KL coefficient, from the trainer's per-step log, averaged over steps and seeds."""
    columns = ["beta_eff_mean", "beta_eff_q10", "beta_eff_q90", "beta_eff_frac_clamped"]
    return training[training["method"] == "adrpo"].groupby(["arch", "label"])[columns].mean()


def adrpo_llm_section(
    probes: pd.DataFrame, training: pd.DataFrame, architectures: list[str], margin: float, profile: str
) -> str:
    table = final_table(probes)
    betas = effective_beta_table(training)
    beta_lines = "\n".join(
        f"| {arch} | {label} | {r.beta_eff_mean:.3f} | {r.beta_eff_q10:.3f} | {r.beta_eff_q90:.3f} | "
        f"{r.beta_eff_frac_clamped:.2f} |"
        for (arch, label), r in betas.iterrows()
    )
    start = probes[probes["step"] == 0].groupby("arch")[["reward", "entropy"]].mean()
    lines = []
    for arch in architectures:
        lines.append(f"| {arch} | base model (step 0) | {start.loc[arch, 'reward']:.3f} | – | – | "
                     f"{start.loc[arch, 'entropy']:.2f} | 0 |")
        for label, r in table.loc[arch].iterrows():
            lines.append(
                f"| {arch} | {label} | {r.reward:.3f} ± {r.reward_spread:.3f} | {r.solved:.3f} | "
                f"{r.distinct_solved:.3f} | {r.entropy:.2f} ± {r.entropy_spread:.2f} | {r.kl:.3f} ± {r.kl_spread:.3f} |"
            )
    verdicts = [beat_verdict(table, arch, margin) for arch in architectures]
    if all(beat for beat, _ in verdicts):
        head = "**ADRPO beat fixed-β GRPO at this scale** (on final reward, every architecture)."
    elif any(beat for beat, _ in verdicts):
        head = "**ADRPO beat fixed-β GRPO on some architectures only at this scale.**"
    else:
        head = "**ADRPO did not beat fixed-β GRPO at this scale.**"
    steps = int(probes["step"].max())
    paper = ", ".join(f"{name} {reward} / {entropy}" for name, (reward, entropy) in PAPER_QWEN2.items())
    return f"""## ADRPO for language models: reward vs entropy on Qwen2 and Qwen3 (profile `{profile}`)

![reward vs entropy](adrpo_llm_entropy.png)

`adrpo_llm_entropy`: per architecture, the trajectory of probe reward against token entropy (mean over seeds
at each probe step; the star is the base model), then reward, entropy and KL to the base model against the RL
step (band: min..max over seeds). The probe samples a fixed prompt set with a fixed seed and measures exact
per-token entropy and KL, the same way for every method (fixed-β GRPO with β = 0 included).

Paper (ADRPO Fig. 3, Qwen2, final reward / entropy read off the plot): {paper}. The paper's task, reward scale
and entropy definition are not published; here the task is the generated digit-sum task (tiny/smoke: "write a
n-digit number whose digits sum to s", reward 1 for a correct answer, graded below), and the entropy is per
generated token, so only the direction of the comparison can be set beside the paper's, not the values.

Measured after {steps} RL steps (mean ± half-range over seeds; `solved`: share of exactly correct samples;
`distinct`: distinct correct answers per prompt over samples per prompt):

| arch | method | reward | solved | distinct | entropy (nats/token) | KL to base |
|---|---|---|---|---|---|---|
{chr(10).join(lines)}

{head}

{chr(10).join(f"- {sentence}" for _, sentence in verdicts)}

What ADRPO's coefficient actually was (trainer log, mean over steps and seeds; clamp `rl.adrpo_beta_min`,
`rl.adrpo_beta_max` from params.yaml). The group advantages average 0, so unclamped beta0 - A averages beta0; a
floor cuts off the negative side and raises the mean above beta0, by as much as this table shows. Compare the
mean with the fixed-β runs' β before reading the results above as "adaptive vs fixed at the same strength".

| arch | method | mean β_eff | q10 | q90 | share clamped |
|---|---|---|---|---|---|
{beta_lines}
"""
