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
# # 26 · ADRPO (flow) · Figures, verdicts and report
#
# Read back from the runs' files (`steps.csv`, `final.json`) of both testbeds and the gates' metrics (the
# pre-trained models measured on the same evaluation batches). Three figures, one row per testbed:
#
# - `adrpo_reward_diversity` (ADRPO Fig. 1): reward vs diversity along training, reward curve, diversity curve;
# - `adrpo_reward_w2` (ADRPO Fig. 2): reward vs W2 along training, final reward and final W2 per configuration;
# - `adrpo_pareto`: final reward vs diversity and vs W2, one point per (method, coefficient) with 95% intervals
#   over seeds, each method's front through its Pareto-optimal points.
#
# The claim (C2): ADRPO's front lies above each baseline's. For two fronts $f_a, f_b$ (the best reward a method
# reaches while keeping diversity at least $\ell$, or $W_2$ at most $\ell$; linear between its Pareto-optimal
# configurations and the pre-trained model, which every method approaches as its regularisation grows) the
# effect is the mean gap over $L$ levels spread over the range both reach,
#
# $$ \Delta = \frac{1}{L} \sum_{\ell} \big( f_{\text{ADRPO}}(\ell) - f_{\text{baseline}}(\ell) \big), $$
#
# with a bootstrap interval that resamples the seeds of every configuration on its own
# (`replication.eval.fronts`, through `replication.eval.stats`).

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import json

import pandas as pd

from replication import configs
from replication.configs.adrpo_flow import GATE_FILES, METRICS, TESTBEDS, ADRPOFlowConfig, finetune_run_dir
from replication.pipeline.runlog import write_metrics, write_text
from replication.pipeline.seeding import seed_everything
from replication.plots.adrpo_flow import load_runs, pareto_figure, reward_diversity_figure, reward_w2_figure
from replication.plots.adrpo_flow_report import adrpo_flow_section, summarise, summary_metrics, testbed_verdicts
from replication.plots.style import save_figure

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
seed_everything(0)
sweeps = {"shapes": cfg.sweep, "digits": cfg.digits.sweep}
run_dirs = {(testbed, run, seed): finetune_run_dir(testbed, run, seed)
            for testbed, sweep in sweeps.items() for run in sweep.runs for seed in sweep.seeds}
steps, finals = load_runs(run_dirs)
gates = {testbed: json.loads(GATE_FILES[testbed].read_text()) for testbed in TESTBEDS}
summaries = {testbed: summarise(finals[finals["testbed"] == testbed]) for testbed in TESTBEDS}
pd.DataFrame(gates).T

# %% [markdown]
# The verdicts of each testbed (C2 on both axes, then the preconditions: the regulariser bites, the
# fixed-coefficient methods plateaued):

# %%
verdicts = {testbed: testbed_verdicts(finals[finals["testbed"] == testbed], steps[steps["testbed"] == testbed],
                                      n_items=int(gates[testbed]["eval_samples"]), base=gates[testbed])
            for testbed in TESTBEDS}
for testbed, judged in verdicts.items():
    print(testbed)
    for item in judged:
        print("  " + item.sentence())

# %%
save_figure(reward_diversity_figure(steps, gates), "figures/adrpo_reward_diversity.png")
save_figure(reward_w2_figure(steps, finals), "figures/adrpo_reward_w2.png")
save_figure(pareto_figure(pd.concat(summaries.values(), ignore_index=True), gates), "figures/adrpo_pareto.png")

# %% [markdown]
# Samples of held-out shapes prompts (rows) from the same noise: the pre-trained model and each method's
# highest-reward configuration (the first seed of the sweep).

# %%
import torch

from replication.configs.adrpo_flow import ARTIFACTS
from replication.data import shapes
from replication.flow.prompt_pool import grid_samples
from replication.models.text_flow import PromptConditionedFlow
from replication.plots.adrpo_flow_samples import sample_grid_figure

if cfg.paper_models.generator == "toy":
    _, split = shapes.load_split(ARTIFACTS / "data")
    shown_summary = summaries["shapes"]
    models = {"pre-trained": PromptConditionedFlow.from_pretrained(ARTIFACTS / "base")}
    for _, row in shown_summary.loc[shown_summary.groupby("method")["train_reward"].idxmax()].iterrows():
        models[row["label"]] = PromptConditionedFlow.from_pretrained(
            finetune_run_dir("shapes", row["run"], cfg.sweep.seeds[0]) / "model")
    size = cfg.data.image_size
    samples = {}
    for name, model in models.items():
        samples[name], shown = grid_samples(model, torch.tensor(split["heldout_prompts"]), cfg.figures.grid_prompts,
                                            cfg.figures.grid_samples, cfg.base.sampling_steps, (3, size, size))
    sample_grid_figure(samples, [split["prompts"][i] for i in shown], cfg.figures.grid_samples);

# %%
classifier = json.loads((METRICS / "classifier.json").read_text())
write_metrics(METRICS / "summary.json", summary_metrics(summaries, verdicts))
section = adrpo_flow_section(summaries, verdicts, gates, classifier, profile)
write_text("reports/adrpo_flow.md", section)
print(section)
