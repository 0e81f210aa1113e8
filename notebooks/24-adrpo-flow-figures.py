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
# # 24 · ADRPO (flow) · Figures and report
#
# Read back from the runs' files (`steps.csv`, `final.json`, the saved models). Three figures:
#
# - `adrpo_reward_diversity` (ADRPO Fig. 1): reward vs diversity along training, reward curve, diversity curve;
# - `adrpo_reward_w2` (ADRPO Fig. 2): reward vs W2 along training, final reward and final W2 per configuration;
# - `adrpo_pareto`: final reward vs final diversity of every configuration and the Pareto front across them.
#
# The pre-trained model is measured here on the same fixed evaluation batch as the runs (its W2 is 0).

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import json

import torch

from replication import configs
from replication.configs.adrpo_flow import ADRPOFlowConfig, ARTIFACTS, finetune_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.data import shapes
from replication.flow.prompt_pool import evaluate, grid_samples, prompt_subset
from replication.models.adrpo_flow_models import load_flow_setup
from replication.models.text_flow import PromptConditionedFlow
from replication.pipeline.runlog import write_metrics, write_text
from replication.pipeline.seeding import seed_everything
from replication.plots.adrpo_flow import load_runs, pareto_figure, reward_diversity_figure, reward_w2_figure, sample_grid_figure
from replication.plots.adrpo_flow_report import adrpo_flow_section, summarise
from replication.plots.style import save_figure

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
# one intra-op thread: on the shared 2-core machine two threads per process oversubscribe the cores, which
# measured 10-60x slower per step for these small models (a no-op for GPU work, which is on the device)
ft, sweep = cfg.finetune, cfg.sweep
seed_everything(ft.eval_seed)
_, split = shapes.load_split(ARTIFACTS / "data")
prompts = split["prompts"]
rl_index = prompt_subset(torch.tensor(split["train_prompts"]), ft.rl_prompts, ft.eval_seed)  # the RL prompt set
splits = {"train": rl_index, "heldout": torch.tensor(split["heldout_prompts"])}
run_dirs = {}
for method, values in (("adrpo", sweep.beta0s), ("fixed_beta", sweep.fixed_beta0s), ("orw", sweep.alphas), ("dpo", sweep.dpo_betas)):
    for value in values:
        for seed in sweep.seeds:
            run_dirs[(method, value, seed)] = finetune_run_dir(method, value, seed)
steps, finals = load_runs(run_dirs)
summary = summarise(finals)
summary

# %% [markdown]
# The pre-trained model on the fixed evaluation batch (policy = reference, so W2 = 0):

# %%
setup = load_flow_setup(ft, ARTIFACTS, prompts, runtime)
base_eval = evaluate(setup.reference, setup.reference, splits, prompts, setup.scorer, setup.shape, cfg.base.sampling_steps,
                     ft.eval_prompts, ft.eval_samples_per_prompt, ft.eval_seed, runtime, setup.decode)
base_pool = steps[steps["step"] == 0][["reward", "diversity"]].mean().to_dict()  # every run's first pool: the base model
base_eval

# %%
save_figure(reward_diversity_figure(steps, base_pool), "figures/adrpo_reward_diversity.png")
save_figure(reward_w2_figure(steps, finals), "figures/adrpo_reward_w2.png")
save_figure(pareto_figure(summary, base_eval, "train"), "figures/adrpo_pareto.png")

# %% [markdown]
# Samples of held-out prompts (rows) from the same noise: the pre-trained model and each method's
# highest-reward configuration (seed 0 of the sweep).

# %%
models = {"pre-trained": setup.reference}
best = summary.loc[summary.groupby("method")["train_reward"].idxmax()]
for _, row in best.iterrows():
    if ft.paper_models.generator == "toy":
        models[row["run"]] = PromptConditionedFlow.from_pretrained(finetune_run_dir(row["method"], row["value"], sweep.seeds[0]) / "model")
samples = {}
for name, model in models.items():
    images, shown = grid_samples(model, splits["heldout"], cfg.figures.grid_prompts, cfg.figures.grid_samples,
                                 cfg.base.sampling_steps, setup.shape)
    samples[name] = images
sample_grid_figure(samples, [prompts[i] for i in shown], cfg.figures.grid_samples);

# %%
classifier = json.loads(open("metrics/adrpo_flow/classifier.json").read())
write_metrics("metrics/adrpo_flow/summary.json", {
    **{f"pretrained_{k}": v for k, v in base_eval.items()},
    **{f"{r['method']}{r['value']:g}_{m}": float(r[m]) for _, r in summary.iterrows()
       for m in ("train_reward", "train_diversity", "train_w2", "heldout_reward", "heldout_diversity", "heldout_w2")},
})
section = adrpo_flow_section(summary, base_eval, classifier, profile)
write_text("reports/adrpo_flow.md", section)
print(section)
