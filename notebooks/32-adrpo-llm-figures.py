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
# # 32 · ADRPO for language models · Figure and report
#
# Read back from the runs' `probe.csv` / `train.csv`, so a change of colour reruns this stage alone. The paper's
# Fig. 3 puts ADRPO, GRPO and the pre-trained model on a reward-entropy plane: ADRPO reaches a far higher reward
# (1.6 vs 0.45 for GRPO and 0.51 pre-trained, Qwen2) at a lower entropy (3.5 vs 4.95 and 5.4). With
#
# $$ \beta^{\text{eff}}_i = \operatorname{clip}(\beta_0 - A_i) $$
#
# good samples are held less tightly to the reference, so the policy can move further towards them.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication import configs
from replication.configs.adrpo_llm import ADRPOLLMConfig, rl_run_dir
from replication.pipeline.runlog import write_metrics, write_text
from replication.plots.adrpo_llm import load_runs, reward_entropy_figure
from replication.plots.adrpo_llm_report import adrpo_llm_section, final_table
from replication.plots.style import save_figure

profile, cfg = configs.load(ADRPOLLMConfig, params_file)
sweep = cfg.sweep
keys = [("grpo", b, s, a) for b in sweep.grpo_betas for s in sweep.seeds for a in sweep.architectures]
keys += [("adrpo", b, s, a) for b in sweep.adrpo_beta0s for s in sweep.seeds for a in sweep.architectures]
run_dirs = {key: rl_run_dir(*key) for key in keys}
probes = load_runs(run_dirs, "probe.csv")
training = load_runs(run_dirs, "train.csv")
probes.tail()

# %%
save_figure(reward_entropy_figure(probes, sweep.architectures), "figures/adrpo_llm_entropy.png")

# %% [markdown]
# The effective KL coefficient of the ADRPO runs (the trainer's log: quantiles over each step's samples,
# averaged over steps and seeds):

# %%
adrpo_steps = training[training["method"] == "adrpo"]
adrpo_steps.groupby(["arch", "label"])[[c for c in training.columns if c.startswith("beta_eff_")]].mean()

# %%
table = final_table(probes)
write_metrics("metrics/adrpo_llm/summary.json", {
    f"{arch}_{label.replace(' ', '_')}_{column}": float(value)
    for (arch, label), row in table.iterrows() for column, value in row.items()
})
write_text("reports/adrpo_llm.md",
           adrpo_llm_section(probes, training, sweep.architectures, cfg.figures.reward_margin, profile))
table
