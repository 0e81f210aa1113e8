"""The ADRPO LLM experiment's section of figures/README.md: gates, the verdicts of claim C3 computed through
``replication.eval.stats`` (via ``replication.eval.kl_front``), where the methods separate, and the measured
numbers beside the paper's whatever they say."""

from __future__ import annotations

import pandas as pd

from replication.configs.adrpo_llm import run_name
from replication.eval.kl_front import FrontComparison, Runs, front_gap
from replication.eval.llm_gates import plateau
from replication.eval.stats import Verdict, all_of, difference_of_means, mean_interval, verdict, verdict_table
from replication.plots.adrpo_llm import point_intervals

# ADRPO Fig. 3 (Qwen2), read off the authors' plot (PAPERS.md section 2): final reward / entropy
PAPER_QWEN2 = {"ADRPO": (1.6, 3.5), "GRPO": (0.45, 4.95), "pre-trained": (0.51, 5.4)}
PAPER_C3 = "escapes the local optima of fixed β; Qwen2 reward 1.6 vs GRPO 0.45 (pre-trained 0.51)"
AXES = {"beta": ("beta_eff_mean", "matched mean effective β"), "kl": ("kl", "matched final KL")}


def _runs(rows: pd.DataFrame, x: str) -> Runs:
    rows = rows.sort_values("seed")
    return Runs.of(rows[x].tolist(), rows["reward"].tolist())


def base_anchor(reward: float, seeds: int) -> Runs:
    """The base model as the front's end on the KL axis (beta -> infinity): KL 0, its probe reward, every seed."""
    return Runs.of([0.0] * seeds, [reward] * seeds)


def front_of(finals: pd.DataFrame, arch: str, x: str) -> tuple[list[Runs], list[str]]:
    """The GRPO configurations of ``arch`` in order of beta, as ``Runs`` on the axis ``x``, and their names; on
    the KL axis the base model closes the front at KL 0."""
    grpo = finals[(finals["arch"] == arch) & (finals["method"] == "grpo")]
    names = grpo.groupby("config")["beta_eff_mean"].mean().sort_values().index.tolist()
    front = [_runs(grpo[grpo["config"] == name], x) for name in names]
    if x == "kl":
        front.append(base_anchor(float(grpo["reward_base"].iloc[0]), len(front[0].x)))
        names.append("base model")
    return front, names


def compare_with_front(finals: pd.DataFrame, arch: str, config: str, axis: str) -> tuple[FrontComparison, list[str]]:
    """``config``'s final reward minus the front's on ``axis`` ("beta" or "kl"), and the front's config names."""
    x = AXES[axis][0]
    front, names = front_of(finals, arch, x)
    treated = finals[(finals["arch"] == arch) & (finals["config"] == config)]
    return front_gap(_runs(treated, x), front), names


def front_verdict(finals: pd.DataFrame, arch: str, config: str, label: str, axis: str, threshold: float,
                  n_items: int, paper: str = "") -> Verdict:
    comparison, names = compare_with_front(finals, arch, config, axis)
    used = " and ".join(names[i] for i in comparison.neighbours)
    counts = finals[finals["arch"] == arch]["config"].value_counts()
    seeds = int(min(counts[name] for name in [config] + names if name != "base model"))
    claim = (f"{arch}: {label} above the GRPO front at {AXES[axis][1]} ({comparison.x:.3f}; front {used} "
             f"-> {comparison.front_reward:.3f})")
    return verdict(claim, comparison.gap, "greater", seeds, n_items, paper, threshold)


def c3_verdict(finals: pd.DataFrame, arch: str, config: str, label: str, threshold: float, n_items: int) -> Verdict:
    """C3 on one architecture: above the front at matched mean effective beta and at matched KL (both must hold)."""
    parts = [front_verdict(finals, arch, config, label, axis, threshold, n_items, PAPER_C3 if axis == "kl" else "")
             for axis in AXES]
    return all_of(f"C3 on {arch}: {label} above the fixed-β front", parts, "ADRPO above GRPO (Fig. 3)")


def nearest_grpo(finals: pd.DataFrame, arch: str, beta: float) -> str:
    grpo = finals[(finals["arch"] == arch) & (finals["method"] == "grpo")]
    betas = grpo.groupby("config")["beta_eff_mean"].mean()
    return (betas - beta).abs().idxmin()


def paper_reading(finals: pd.DataFrame, arch: str, config: str, label: str, beta0: float, n_items: int) -> Verdict:
    """The paper's reading of Fig. 3, "higher reward and higher entropy", against GRPO at the nominal beta = beta0
    (the comparison a user makes by swapping the trainer): differences of the final means over seeds."""
    grpo = nearest_grpo(finals, arch, beta0)
    rows = finals[finals["arch"] == arch]
    treated, control = rows[rows["config"] == config].sort_values("seed"), rows[rows["config"] == grpo].sort_values("seed")
    seeds = min(len(treated), len(control))
    paper = {"reward": "1.6 vs 0.45", "entropy": "3.5 vs 4.95 (read off: lower)"}
    parts = [verdict(f"{arch}: {label} {column} - {control['label'].iloc[0]}",
                     difference_of_means(treated[column].tolist(), control[column].tolist()), "greater", seeds,
                     n_items, paper[column]) for column in ("reward", "entropy")]
    return all_of(f"{arch}: higher reward and higher entropy than GRPO at β = β0", parts,
                  "higher reward and entropy (text)")


def separation(probes: pd.DataFrame, arch: str, config: str, front: list[str]) -> tuple[pd.DataFrame, int | None]:
    """The matched-KL front gap at every probe step after 0 (that step's reward and KL of every run; ``front``:
    the GRPO configs, closed by the base model at KL 0) and the first step from which its 95% interval excludes
    0, on the same side, at every later probe (None: never)."""
    rows = []
    data = probes[probes["arch"] == arch]
    base = float(data.loc[data["step"] == 0, "reward"].iloc[0])
    for step, at_step in data[data["step"] > 0].groupby("step"):
        points = [_runs(at_step[at_step["config"] == name], "kl") for name in front if name != "base model"]
        points.append(base_anchor(base, len(points[0].x)))
        gap = front_gap(_runs(at_step[at_step["config"] == config], "kl"), points).gap
        rows.append({"step": int(step), "gap": gap.estimate, "low": gap.low, "high": gap.high,
                     "side": 1 if gap.low > 0 else -1 if gap.high < 0 else 0})
    table = pd.DataFrame(rows)
    for i in range(len(table)):
        sides = set(table["side"].iloc[i:])
        if sides in ({1}, {-1}):
            return table, int(table["step"].iloc[i])
    return table, None


def plateau_table(finals: pd.DataFrame, arch: str, max_gain: float, min_gap: float) -> tuple[pd.DataFrame, float]:
    """Per GRPO beta of ``arch``: the plateau check (``replication.eval.llm_gates.plateau``), against the
    reachable reward = the best final reward (mean over seeds) of any configuration of ``arch``."""
    rows = finals[finals["arch"] == arch]
    reachable = float(rows.groupby("config")["reward"].mean().max())
    out = []
    for config, group in rows[rows["method"] == "grpo"].groupby("config"):
        group = group.sort_values("seed")
        result = plateau(group["reward"].tolist(), group["reward_window_start"].tolist(), reachable, max_gain, min_gap)
        out.append({"config": config, "label": group["label"].iloc[0], "gain": result.gain, "gap": result.gap,
                    "passed": result.passed, "beta": group["beta_eff_mean"].mean()})
    return pd.DataFrame(out).sort_values("beta"), reachable


def _fmt(interval) -> str:
    return interval.format(3, signed=False)


def config_lines(finals: pd.DataFrame, arch: str, order: list[str]) -> list[str]:
    points = point_intervals(finals[finals["arch"] == arch],
                             ["reward", "solved", "top", "entropy", "kl", "beta_eff_mean"]).set_index("config")
    lines = []
    for config in [c for c in order if c in points.index]:
        p = points.loc[config]
        cells = [f"{p[c]:.3f} [{p[c + '_low']:.3f}, {p[c + '_high']:.3f}]" for c in ("reward", "solved", "top")]
        cells += [f"{p[c]:.3f} [{p[c + '_low']:.3f}, {p[c + '_high']:.3f}]" for c in ("entropy", "kl")]
        lines.append(f"| {arch} | {p['label']} | {int(p['seeds'])} | " + " | ".join(cells)
                     + f" | {p['beta_eff_mean']:.3f} |")
    return lines


def gate_lines(bases: dict[str, dict], n_prompts: int, samples: int) -> list[str]:
    return [f"| {arch} | {m['solved']:.3f} | {m['chance_solved']:.3f} | {m['reward']:.3f} | {m['chance_reward']:.3f} "
            f"| {m['top']:.3f} | {m['entropy']:.3f} | {n_prompts} x {samples} | "
            f"{'**passed**' if m['gate_passed'] else '**FAILED**'} |" for arch, m in bases.items()]


def coefficient_lines(finals: pd.DataFrame) -> list[str]:
    adrpo = finals[finals["method"] == "adrpo"]
    rows = adrpo.groupby(["arch", "label"])[["beta_eff_mean", "beta_eff_frac_clamped", "beta_eff_frac_negative"]]
    return [f"| {arch} | {label} | {r.beta_eff_mean:.3f} | {r.beta_eff_frac_clamped:.2f} | "
            f"{r.beta_eff_frac_negative:.2f} |" for (arch, label), r in rows.mean().iterrows()]


def clamp_effect(finals: pd.DataFrame, arch: str, clamped: str, plain: str) -> str:
    rows = finals[finals["arch"] == arch]
    a, b = rows[rows["config"] == clamped], rows[rows["config"] == plain]
    cells = [f"{column} {difference_of_means(a[column].tolist(), b[column].tolist())}"
             for column in ("reward", "kl", "entropy", "beta_eff_mean")]
    return f"{a['label'].iloc[0]} minus {b['label'].iloc[0]} ({arch}, {len(a)} vs {len(b)} seeds): " + "; ".join(cells)


def mean_of(values) -> str:
    return _fmt(mean_interval(list(values)))


def _verdict_number(outcome: str) -> int:
    return {"held": 1, "inconclusive": 0, "did not hold": -1}[outcome]


def adrpo_llm_section(finals: pd.DataFrame, probes: pd.DataFrame, bases: dict[str, dict], cfg, profile: str
                      ) -> tuple[str, dict]:
    """The markdown section and the summary metrics (numbers only) of the experiment. ``cfg``: ADRPOLLMConfig."""
    sweep, gates, variants = cfg.sweep, cfg.gates, cfg.adrpo_variants
    n_items = cfg.task.probe_prompts * cfg.rl.probe_samples_per_prompt
    order = [run_name("grpo", b) for b in sorted(sweep.grpo_betas)]
    order += [run_name("adrpo", name) for name in sweep.adrpo_compared + sweep.adrpo_ablations]
    metrics: dict = {}
    for arch, base in bases.items():
        metrics |= {f"{arch}_base_{key}": float(value) for key, value in base.items()}

    plateau_lines, plateau_passed = [], {}
    for arch in sweep.architectures:
        table, reachable = plateau_table(finals, arch, gates.plateau_max_gain, gates.plateau_min_gap)
        plateau_passed[arch] = bool(table["passed"].any())
        metrics |= {f"{arch}_plateau_gate_passed": int(plateau_passed[arch]), f"{arch}_reachable_reward": reachable}
        plateau_lines += [f"| {arch} | {r.label} | {_fmt(r.gain)} | {_fmt(r.gap)} | {'yes' if r.passed else 'no'} |"
                          for r in table.itertuples()]
        plateau_lines.append(f"| {arch} | reachable (best final mean of any configuration) | | {reachable:.3f} | |")

    c3, readings, separations = [], [], []
    for arch in sweep.architectures:
        for name in sweep.adrpo_compared:
            config, label = run_name("adrpo", name), variants[name].label
            c3.append(c3_verdict(finals, arch, config, label, cfg.figures.verdict_threshold, n_items))
            readings.append(paper_reading(finals, arch, config, label, variants[name].beta0, n_items))
            named = [(f"c3_{axis}", part) for axis, part in zip(AXES, c3[-1].parts)]
            named += [(f"vs_beta0_{column}", part) for column, part in zip(("reward", "entropy"), readings[-1].parts)]
            for key, part in named:
                metrics |= {f"{arch}_{config}_{key}": part.effect.estimate, f"{arch}_{config}_{key}_low": part.effect.low,
                            f"{arch}_{config}_{key}_high": part.effect.high}
            _, front = front_of(finals, arch, "kl")
            table, first = separation(probes, arch, config, front)
            separations.append((arch, label, table, first))
            metrics[f"{arch}_{config}_separation_step"] = -1 if first is None else first
    overall = all_of("C3: ADRPO above the fixed-β front on every architecture", c3, PAPER_C3)
    metrics["c3_outcome"] = _verdict_number(overall.outcome)  # 1 held, 0 inconclusive, -1 did not hold

    ablations = []
    for arch in sweep.ablation_architectures:
        for name in sweep.adrpo_ablations:
            for axis in AXES:
                ablations.append(front_verdict(finals, arch, run_name("adrpo", name), variants[name].label, axis,
                                               cfg.figures.verdict_threshold, n_items))
    clamp_lines = [clamp_effect(finals, arch, run_name("adrpo", a), run_name("adrpo", b))
                   for arch in sweep.ablation_architectures for a in sweep.adrpo_ablations
                   for b in sweep.adrpo_compared + sweep.adrpo_ablations
                   if variants[a].beta_min is not None and variants[b].beta_min is None
                   and variants[a].beta0 == variants[b].beta0 and variants[b].scale_rewards == variants[a].scale_rewards]

    for (arch, config), group in finals.groupby(["arch", "config"]):
        for column in ("reward", "kl", "entropy", "beta_eff_mean"):
            metrics[f"{arch}_{config}_{column}"] = float(group[column].mean())

    steps = int(probes["step"].max())
    base_table = "\n".join(gate_lines(bases, cfg.task.probe_prompts, cfg.rl.probe_samples_per_prompt))
    finals_table = "\n".join(line for arch in sweep.architectures for line in config_lines(finals, arch, order))
    sep_text = "\n".join(
        f"- {arch}, {label}: " + (f"the matched-KL gap excludes 0 from step {first} on "
                                  f"({'above' if table['side'].iloc[-1] > 0 else 'below'} the front)"
                                  if first is not None else f"the methods do not separate within {steps} steps")
        + "; gap by step: " + ", ".join(f"{int(r.step)}: {r.gap:+.3f} [{r.low:+.3f}, {r.high:+.3f}]"
                                        for r in table.itertuples())
        for arch, label, table, first in separations)
    plateau_head = ("passed on " + ", ".join(a for a, ok in plateau_passed.items() if ok)
                    if any(plateau_passed.values()) else "FAILED: no fixed-β run plateaued below the reachable reward, "
                    "so this testbed cannot show the problem ADRPO claims to fix; read the verdict with that in mind")
    paper = ", ".join(f"{name} {reward} / {entropy}" for name, (reward, entropy) in PAPER_QWEN2.items())
    text = f"""## ADRPO for language models: the fixed-β front, reward vs entropy on Qwen2 and Qwen3 (profile `{profile}`)

Task: write an n-digit number (n in {cfg.task.digit_counts}) whose digits sum to s, every feasible (s, n) one prompt;
reward 1 for a correct answer with non-increasing digits, {cfg.task.easy_reward:g} for any other correct one, 0
otherwise (two tiers: an easy optimum a policy can sharpen onto, and a better one it must keep exploring to find).
Transformers' Qwen2/Qwen3 classes with small configs, SFT on uniformly drawn correct answers, then {steps} RL steps of
{cfg.rl.prompts_per_step} prompts x {cfg.rl.num_generations} completions for every method. The probe: {n_items}
samples per run ({cfg.task.probe_prompts} prompts x {cfg.rl.probe_samples_per_prompt}) every {cfg.rl.probe_every}
steps, fixed seed; exact per-token entropy and KL to the base model.

### Gates

| arch | base exact-solve | chance | base reward | chance reward | top tier | entropy | probe | gate |
|---|---|---|---|---|---|---|---|---|
{base_table}

Plateau gate (a fixed-β run stopped rising below the reachable reward: gain over the last
{gates.plateau_window:.0%} of the steps < {gates.plateau_max_gain:g} and gap > {gates.plateau_min_gap:g}, whole 95%
intervals over seeds): **{plateau_head}**.

| arch | run | gain over the window | gap to reachable | plateaued |
|---|---|---|---|---|
{chr(10).join(plateau_lines)}

### Figures

![reward vs entropy](adrpo_llm_entropy.png)

`adrpo_llm_entropy` (ADRPO Fig. 3): per architecture, the probe reward against token entropy along training (mean
over seeds at each probe step; the star is the base model), then reward and entropy against the RL step (95%
bands over seeds).

![the fixed-beta front](adrpo_llm_front.png)

`adrpo_llm_front`: final reward against final KL to the base model, final entropy and the mean effective KL
coefficient; one point per (method, coefficient) with 95% intervals over seeds on both axes; the grey line joins the
GRPO points in order of β.

### Final probe after {steps} steps (mean [95% interval over seeds])

| arch | configuration | seeds | reward | solved (either tier) | top tier | entropy | KL to base | mean β_eff |
|---|---|---|---|---|---|---|---|---|
{finals_table}

### Verdict C3: ADRPO above the fixed-β front

The front's reward at ADRPO's mean effective β (GRPO: its β; ADRPO: the trainer's mean of clip(β0 − A) over steps)
and at ADRPO's final KL, interpolated linearly between the two bracketing GRPO points (nearest point beyond the
ends; on the KL axis the base model closes the front at KL 0, β → ∞); the interval resamples the seeds of every
configuration (`replication.eval.kl_front`). Between two front points the chord lies below a concave front, so
the interpolated front is if anything lower than the real one: a "held" between distant points favours ADRPO and
wants a GRPO point nearby to confirm it, a "did not hold" does not.

{verdict_table(c3)}

{overall.sentence()}.

Paper (ADRPO Fig. 3, Qwen2, final reward / entropy read off the plot): {paper}. The paper's task, reward scale and
entropy definition are not published, so only the direction of each comparison stands beside the paper's.

### The paper's reading: higher reward and higher entropy than GRPO

Against GRPO at the nominal coefficient (β = β0, the comparison made by swapping the trainer). The paper's
read-off values give ADRPO the higher reward but the *lower* entropy (3.5 vs 4.95); its text claims exploration.

{verdict_table(readings)}

### Where the methods separate

{sep_text}

### Ablations ({", ".join(sweep.ablation_architectures)}, {len(sweep.ablation_seeds)} seeds): β0, the clamp, unscaled advantages

The unscaled variant's β is in units of an unscaled advantage (A = r − mean), so its matched-β row compares
unlike units; its matched-KL row does not.

{verdict_table(ablations)}

The clamp at the same β0 (differences of means over seeds, 95% intervals):

{chr(10).join(f"- {line}" for line in clamp_lines)}

What ADRPO's coefficient was (trainer log, mean over steps and seeds): without a clamp the mean is β0 (advantages sum
to zero per group) and the share of negative coefficients is the share of samples whose KL term was a bonus; a floor
cuts that side off and lifts the mean above β0.

| arch | variant | mean β_eff | share clamped | share β0 − A < 0 |
|---|---|---|---|---|
{chr(10).join(coefficient_lines(finals))}
"""
    return text, metrics
