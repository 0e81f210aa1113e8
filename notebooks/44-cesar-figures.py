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
# # 44 · CESAR · Figures, ablation table and report
#
# Read back from the scaling stages' files: `cesar_scaling` (accuracy vs reasoning tokens per task),
# `cesar_slope` (linear fit and no-reasoning line, slope per method), `cesar_radar` (total, difficulty, task)
# and the table `cesar_ablation` (think / no-think accuracy and slope, each process reward removed), with the
# paper's numbers beside ours and the verdicts computed from the slopes.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication import configs
from replication.configs.cesar import CesarConfig, scaling_run_dir
from replication.pipeline.runlog import write_metrics, write_text
from replication.plots.cesar import (ablation_table, load_scaling, radar_figure, scaling_figure, slope_figure,
                                     table_figure)
from replication.plots.cesar_report import HEADER, ablation_rows, cesar_section, markdown_table
from replication.plots.style import save_figure

profile, cfg = configs.load(CesarConfig, params_file)
run_dirs = {("sft", -1): scaling_run_dir("sft")}
run_dirs.update({(m, s): scaling_run_dir(f"{m}-seed{s}") for m in cfg.sweep.methods for s in cfg.sweep.seeds})
curves, summaries = load_scaling(run_dirs)
summaries.round(3)

# %%
save_figure(scaling_figure(curves), "figures/cesar_scaling.png")
save_figure(slope_figure(curves, summaries), "figures/cesar_slope.png")
save_figure(radar_figure(curves), "figures/cesar_radar.png")

# %%
table = ablation_table(summaries)
rows = ablation_rows(table)
write_text("figures/cesar_ablation.md", markdown_table(HEADER, rows))
save_figure(table_figure(rows, HEADER), "figures/cesar_ablation.png")
write_metrics("metrics/cesar/summary.json", {
    f"{method}_{column}": float(value) for method, row in table.iterrows() for column, value in row.items()
})
table.round(3)

# %%
n_items = min(cfg.scaling.max_items, cfg.corpus.test_items)
section = cesar_section(table, summaries, profile, cfg.scaling.budgets, n_items, curves)
write_text("reports/cesar.md", section)
print(section)
