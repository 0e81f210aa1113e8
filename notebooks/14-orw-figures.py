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
# # 14 · ORW-CFM-W2 · Figures
#
# Everything here is read back from the runs' files (`steps.csv`, the saved models), so a change of colour
# reruns this stage alone. Two figures of the paper's MNIST study:
#
# - `orw_mnist_grid`: samples per alpha (collapse shows as the same digit in every column);
# - `orw_mnist_reward`: reward and diversity vs step per alpha, mean and band over seeds, optimum as a line.
#
# Diversity has two measures: the entropy of the predicted-class histogram (which digits appear: log 5 = 1.61
# if all even digits appear equally, 0 under full collapse) and the mean pairwise distance of the classifier's
# features (variety within a class as well).

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import json

from replication import configs
from replication.configs.orw import ARTIFACTS, ORWConfig, finetune_run_dir
from replication.flow.digit_pool import grid_samples
from replication.models.class_flow import ClassConditionedFlow
from replication.pipeline.runlog import write_metrics, write_text
from replication.plots.orw import load_runs, reward_diversity_figure, sample_grid_figure
from replication.plots.orw_report import final_table, orw_section
from replication.plots.style import save_figure

profile, cfg = configs.load(ORWConfig, params_file)
runs = load_runs({(a, s): finetune_run_dir(a, s) for a in cfg.sweep.alphas for s in cfg.sweep.seeds})
runs.tail()

# %%
save_figure(reward_diversity_figure(runs), "figures/orw_mnist_reward.png")

# %%
models = {"base model": ARTIFACTS / "base"}
models.update({f"alpha = {a:g}": finetune_run_dir(a, cfg.figures.grid_seed) / "model" for a in cfg.sweep.alphas})
grids = {
    name: grid_samples(ClassConditionedFlow.from_pretrained(path), cfg.figures.grid_rows, cfg.base.sampling_steps, seed=0)
    for name, path in models.items()
}
save_figure(sample_grid_figure(grids), "figures/orw_mnist_grid.png")

# %%
table = final_table(runs)
write_metrics("metrics/orw/summary.json", {
    f"alpha{alpha:g}_{column}": float(value) for alpha, row in table.iterrows() for column, value in row.items()
})
classifier_accuracy = json.loads(open("metrics/orw/classifier.json").read())["held_out_accuracy"]
section = orw_section(runs, classifier_accuracy, profile)
write_text("reports/orw.md", section)
table
