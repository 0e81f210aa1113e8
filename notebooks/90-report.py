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
# # 90 · The report
#
# Gathers each experiment's section (written by its figures stage from measured numbers) into
# `figures/README.md`, the page that shows every figure beside the paper's result.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication.pipeline.runlog import write_text
from replication.plots.report import assemble_report

report = assemble_report("reports")
write_text("figures/README.md", report)
print(report)
