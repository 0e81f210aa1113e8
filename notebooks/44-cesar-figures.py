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
# # 44 · CESAR · Gates, figures, ablation table, verdicts
#
# Read back from the scaling stages' item-level outcomes (every test item at every budget, for every model):
# the gates (SFT no-think accuracy, the SFT model's and outcome-only GRPO's negative slopes), `cesar_scaling`
# (accuracy vs reasoning tokens per task), `cesar_slope` (linear fit and no-reasoning line, slope with its
# interval), `cesar_radar` (total, difficulty, task) and the table `cesar_ablation`, and the verdicts on C4
# (outcome-only scales inversely, CESAR does not) and C5 (removing process rewards lowers accuracy). Every
# interval is a bootstrap over test items of the seed-mean curve, paired across budgets and across methods
# (`replication.eval.scaling_intervals`, through `replication.eval.stats`); the seeds' own spread is shown beside.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import json
import math

import pandas as pd

from replication import configs
from replication.configs.cesar import ARTIFACTS, CesarConfig, grpo_run_dir, scaling_run_dir
from replication.data.audio_qa import load_splits
from replication.eval.cesar_verdicts import gates_and_verdicts, method_summary
from replication.pipeline.runlog import write_metrics, write_text
from replication.plots.cesar import (curve_points, load_items, radar_figure, scaling_figure, slope_figure,
                                     table_figure)
from replication.plots.cesar_report import HEADER, ablation_rows, cesar_section, markdown_table
from replication.plots.style import save_figure

profile, cfg = configs.load(CesarConfig, params_file)
runs = cfg.sweep.runs()
_, _, test = load_splits(cfg.corpus, ARTIFACTS / "corpus")
meta = pd.DataFrame([{"id": i.id, "task": i.task, "difficulty": i.difficulty} for i in test])
run_dirs = {("sft", -1): scaling_run_dir("sft"), **{(m, s): scaling_run_dir(f"{m}-seed{s}") for m, s in runs}}
items = load_items(run_dirs, meta)
budgets = sorted(items["budget"].unique())
finals = pd.DataFrame([{"method": m, **json.loads((grpo_run_dir(m, s) / "final.json").read_text())} for m, s in runs])
summary = method_summary(items)
summary.round(3)

# %%
gates, verdicts = gates_and_verdicts(items, json.loads((scaling_run_dir("sft") / "gates.json").read_text()))
write_metrics("metrics/cesar/gates.json", gates)
pd.Series(gates).round(3)

# %%
points = curve_points(items)
save_figure(scaling_figure(points), "figures/cesar_scaling.png")
save_figure(slope_figure(points, summary), "figures/cesar_slope.png")
save_figure(radar_figure(points), "figures/cesar_radar.png")

# %%
rows = ablation_rows(summary)
write_text("figures/cesar_ablation.md", markdown_table(HEADER, rows))
save_figure(table_figure(rows, HEADER), "figures/cesar_ablation.png")
write_metrics("metrics/cesar/summary.json", {  # an undefined slope or interval (toy sizes) is left out
    f"{method}_{column}": float(value) for method, row in summary.iterrows() for column, value in row.items()
    if math.isfinite(value)
})

# %%
setting = (
    f"Qwen2.5-Omni's Thinker (`Qwen2_5OmniThinkerForConditionalGeneration`, toy widths, trained here from "
    f"scratch: SFT on the testbed's traces, then GRPO through TRL) on the controlled testbed of notebook 40; the "
    f"paper uses Qwen2.5-Omni-7B on AVQA and the real MMAU test-mini, so only the *shapes* (slopes, orderings, "
    f"signs) are comparable, not the accuracy levels. Budgets L = {[int(b) for b in budgets]} (L = 0 and quantiles "
    f"{cfg.scaling.quantiles or 'n/a'} of the SFT traces' lengths), {items['id'].nunique()} test items at every "
    f"budget, thinking sampled at temperature {cfg.scaling.temperature:g} (one sample per item serves every L), "
    f"answers greedy, MMAU's string-match rule. GRPO: K = {cfg.grpo.num_generations}, {cfg.grpo.steps} steps of "
    f"{cfg.grpo.prompts_per_step} prompts, lr {cfg.grpo.lr:g}, beta {cfg.grpo.beta:g}; seeds "
    f"{cfg.sweep.seeds} for {', '.join(cfg.sweep.methods)}, {cfg.sweep.ablation_seeds} for "
    f"{', '.join(cfg.sweep.ablations)}. \"think\" is the accuracy at the largest budget, \"no-think\" at L = 0.")
section = cesar_section(profile, setting, gates, cfg.gates.no_think_min, cfg.gates.enforce, summary, finals, verdicts)
write_text("reports/cesar.md", section)
print(section)
