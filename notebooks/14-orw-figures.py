# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 14 · ORW-CFM-W2 · Figures, effect sizes and verdicts
#
# Everything here is read back from the runs' files (`steps.csv`, `final.json`, the saved models), so a change of
# colour reruns this stage alone. Three figures:
#
# - `orw_mnist_grid`: unconditional samples per alpha (collapse shows as the same digit everywhere);
# - `orw_mnist_reward`: reward and diversity vs step per alpha, mean and 95% band over seeds;
# - `orw_tradeoff`: final reward against final diversity, one point per seed and the mean with its interval.
#
# ## Why these diversity measures
#
# Collapse has more than one face, and each measure sees one:
#
# - **even-digit entropy** $H_{\text{even}} = -\sum_{k\ \text{even}} q_k \log q_k$, $q_k$ the share of digit $k$
#   among the samples classified as even: the paper's collapse "onto copies of one digit". The reward itself
#   removes the odd digits, so the full class entropy falls for *every* alpha that learns (from $\log 10$ towards
#   $\log 5 = 1.61$); among the even samples the maximum is $\log 5$ and one remaining digit gives 0;
# - **class entropy** over all ten classes, for comparison with the base ($\approx \log 10$);
# - **within-class diversity**: the mean pairwise distance of the classifier's penultimate features inside each
#   predicted class, weighted by class size: copies of one image per digit give 0 even when every even digit
#   still appears;
# - the **W2 proxy** $\frac{1}{S}\sum_s \overline{(v_\theta(x_s) - v_{\text{ref}}(x_s))^2}$ along the policy's own
#   sampling trajectory: how far the fine-tuned flow has moved from the base (the quantity the regulariser bounds).
#
# ## The claims
#
# C1 (the paper's MNIST claim): every alpha > 0 keeps more even digits than alpha = 0 (interval of the difference
# above 0), while the weakest alpha > 0 keeps its reward within `verdict.reward_margin` of alpha = 0's. C2: the
# same for the variety within a digit. C3: the strongest alpha ends nearer the base (W2). C4: every alpha raises
# the reward above the base's. C5: the paper's *balanced* alpha (0.3, rescaled) keeps its reward within the
# margin too (the paper: "about 1.0 for every alpha"). C6: alpha = 0 ends with fewer even digits than the same loop
# without any reward (the control, `tau = 0`), i.e. the reward drives its collapse, not the loop alone.
# Each is computed by `replication/eval/orw_claims.py` through the statistics module.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import json

from replication import configs
from replication.configs.orw import ARTIFACTS, METRICS, ORWConfig, finetune_run_dir
from replication.eval.gates import gate_metrics
from replication.eval.orw_claims import OUTCOME_CODE, orw_verdicts, seed_means
from replication.flow.digit_pool import grid_samples
from replication.models.class_flow import ClassConditionedFlow
from replication.pipeline.runlog import write_metrics, write_text
from replication.plots.orw import load_finals, load_runs, reward_diversity_figure, sample_grid_figure, tradeoff_figure
from replication.plots.orw_report import GATE_NAMES, Setting, first_seed, gate_subset, orw_section, run_labels
from replication.plots.style import save_figure

profile, cfg = configs.load(ORWConfig, params_file)
run_dirs = {(a, s): finetune_run_dir(a, s) for a in cfg.sweep.alphas for s in cfg.sweep.seeds}
control_dirs = {(t, s): finetune_run_dir(0.0, s, t) for t in cfg.control.taus for s in cfg.control.seeds}
runs, finals = load_runs(run_dirs), load_finals(run_dirs)
control_runs, control = load_runs(control_dirs), load_finals(control_dirs)
base = json.loads((METRICS / "base.json").read_text())
classifier_metrics = json.loads((METRICS / "classifier.json").read_text())
labels = run_labels(finals)
finals.groupby("alpha")[["reward", "even_class_entropy", "within_class_diversity", "w2"]].mean()

# %% [markdown]
# The last gate: the largest alpha must pull the per-sample optimum a real share of the way back to the
# reference at the base's reward (the sweep would otherwise be alpha = 0 several times over).

# %%
strongest = first_seed(finals)["pull_at_base_reward"].iloc[-1]
window = cfg.gates.strongest_pull
gates = gate_subset({**classifier_metrics, **base})
gates.update(gate_metrics("strongest_pull", float(strongest), window.min, window.max))
{name: gates[name] for name in GATE_NAMES}

# %%
save_figure(reward_diversity_figure(runs, labels, control_runs), "figures/orw_mnist_reward.png")
save_figure(tradeoff_figure(finals, base, labels, control), "figures/orw_tradeoff.png")

# %%
null = ClassConditionedFlow.from_pretrained(ARTIFACTS / "base").null_label
models = {"base model": ARTIFACTS / "base"}
models.update({labels[a]: finetune_run_dir(a, cfg.figures.grid_seed) / "model" for a in cfg.sweep.alphas})
grids = {
    name: grid_samples(ClassConditionedFlow.from_pretrained(path), cfg.figures.grid_rows, cfg.base.sampling_steps,
                       seed=0, label=null, columns=cfg.figures.grid_columns)
    for name, path in models.items()
}
save_figure(sample_grid_figure(grids, columns=cfg.figures.grid_columns), "figures/orw_mnist_grid.png")

# %% [markdown]
# The summary metrics, the verdicts and the report section:

# %%
setting = Setting(profile, cfg.finetune.tau, cfg.finetune.steps, cfg.evaluation.samples, cfg.verdict.reward_margin,
                  labels)
means = seed_means(finals)
summary = {f"alpha{a:g}_{metric}": interval.estimate for a, row in means.items() for metric, interval in row.items()}
summary.update(gates)
failed = [name for name in GATE_NAMES if gates[f"{name}_passed"] != 1]
if not failed:
    verdicts = orw_verdicts(finals, base, cfg.verdict.reward_margin, cfg.evaluation.samples, control)
    summary.update({f"verdict_C{i + 1}": OUTCOME_CODE[v.outcome] for i, v in enumerate(verdicts)})
write_metrics(METRICS / "summary.json", summary)
section = orw_section(finals, base, gates, setting, control)
write_text("reports/orw.md", section)
print(section)
