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
# # 33 · ADRPO for language models · Figures, gates and the verdict
#
# Read back from the runs' `probe.csv` / `train.csv` and the base stages' `base.json`, so a change of colour reruns
# this stage alone. The paper's Fig. 3 puts ADRPO, GRPO and the pre-trained model on a reward-entropy plane: ADRPO
# reaches a far higher reward (1.6 vs 0.45 for GRPO and 0.51 pre-trained, Qwen2) at a lower entropy (3.5 vs 4.95
# and 5.4, read off the plot). With
#
# $$ \beta^{\text{eff}}_i = \operatorname{clip}(\beta_0 - A_i) $$
#
# good samples are held less tightly to the reference, so the policy can move further towards them. Claim C3 is
# that this beats any fixed β: here ADRPO's final reward is set against the front of GRPO runs at fixed β, at
# ADRPO's mean effective β and at its final KL to the base model, with 95% intervals over seeds.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import json

from replication import configs
from replication.configs.adrpo_llm import ADRPOLLMConfig, all_runs, base_log_dir, rl_run_dir, run_name
from replication.pipeline.runlog import write_metrics, write_text
from replication.plots.adrpo_llm import config_order, final_runs, front_figure, grpo_label, load_runs, reward_entropy_figure
from replication.plots.adrpo_llm_report import adrpo_llm_section
from replication.plots.style import save_figure

profile, cfg = configs.load(ADRPOLLMConfig, params_file)
run_dirs = {key: rl_run_dir(*key) for key in all_runs(cfg)}
labels = {run_name("grpo", b): grpo_label(b) for b in cfg.sweep.grpo_betas}
labels |= {run_name("adrpo", name): variant.label for name, variant in cfg.adrpo_variants.items()}
probes = load_runs(run_dirs, labels, "probe.csv")
training = load_runs(run_dirs, labels, "train.csv")
bases = {arch: json.loads((base_log_dir(arch) / "base.json").read_text()) for arch in cfg.sweep.architectures}
finals = final_runs(probes, training, cfg.gates.plateau_window)
order = config_order(finals)
finals.groupby(["arch", "label"], sort=False)[["reward", "solved", "top", "entropy", "kl", "beta_eff_mean"]].mean()

# %% [markdown]
# Fig. 3 as the paper draws it, one row per architecture: the compared ADRPO variants against the GRPO front.

# %%
compared = [c for c in order if c.startswith("grpo")] + [run_name("adrpo", name) for name in cfg.sweep.adrpo_compared]
save_figure(reward_entropy_figure(probes[probes["config"].isin(compared)], cfg.sweep.architectures, compared),
            "figures/adrpo_llm_entropy.png")

# %% [markdown]
# The front: one point per (method, coefficient), ablations included.

# %%
save_figure(front_figure(finals, cfg.sweep.architectures, order), "figures/adrpo_llm_front.png")

# %% [markdown]
# Gates, verdicts (computed through `replication.eval.stats`) and the paper's numbers:

# %%
section, summary = adrpo_llm_section(finals, probes, bases, cfg, profile)
write_metrics("metrics/adrpo_llm/summary.json", summary)
write_text("reports/adrpo_llm.md", section)
print(section)
