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
# # 43 · CESAR · Test-time scaling by budget forcing
#
# One model (the SFT model, or one GRPO run). For each thinking budget $L$ the completion opens with
# `<think>`, the model writes at most $L$ tokens, then `</think><answer>` is forced and it writes the answer
# (greedy decoding). $L = 0$ is the no-reasoning mode (`<think></think><answer>`). Accuracy follows MMAU's
# rule, by task and by difficulty; the x-axis is the reasoning tokens actually used. The slope of accuracy on
# average tokens tells inverse scaling (< 0) from useful reasoning (> 0):
#
# $$ b = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}{\sum_i (x_i - \bar x)^2} $$

# %% tags=["parameters"]
params_file = "params.yaml"
run = "sft"  # "sft" or "<method>-seed<seed>"

# %%
import json

import pandas as pd
import torch

from replication import configs
from replication.configs.cesar import ARTIFACTS, CesarConfig, RUNS, scaling_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.eval.cesar_scaling import scaling_rows, scaling_summary
from replication.models.omni import load_processor, load_thinker
from replication.pipeline.runlog import MetricsLog, write_metrics, write_text
from replication.pipeline.runtime import resolve_device
from replication.pipeline.seeding import seed_everything
from replication.rl.cesar_setup import load_splits

profile, cfg = configs.load(CesarConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
seed_everything(0)
checkpoint = ARTIFACTS / "sft" if run == "sft" else RUNS / "grpo" / run / "model"
dtype = torch.bfloat16 if runtime.dtype == "bfloat16" else torch.float32
model = load_thinker(str(checkpoint), dtype=dtype).to(resolve_device(runtime))
processor = load_processor(str(checkpoint))
_, _, test = load_splits(cfg.corpus, ARTIFACTS / "corpus")
test = test[: cfg.scaling.max_items]
out_dir = scaling_run_dir(run)

# %%
rows, completions = scaling_rows(model, processor, test, cfg.scaling.budgets, cfg.scaling.answer_tokens,
                                 cfg.scaling.batch_size, cfg.grpo.instruction)
with MetricsLog(out_dir / "scaling.csv") as log:
    for row in rows:
        log.log(**{key.replace("/", "_"): value for key, value in row.items()})
summary = scaling_summary(rows)
write_metrics(out_dir / "summary.json", summary)
write_text(out_dir / "completions.json", json.dumps({str(k): v for k, v in completions.items()}, indent=1,
                                                    sort_keys=True) + "\n")
pd.DataFrame(rows).round(2)

# %%
summary

# %% [markdown]
# A few completions at the largest budget:

# %%
[c["text"] for c in completions[cfg.scaling.budgets[-1]][:3]]
