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
# `<think>`, the model writes at most $L$ tokens, then `</think><answer>` is forced and it answers (greedy).
# $L = 0$ is the no-reasoning mode (`<think></think><answer>`). The thinking is sampled at
# `scaling.temperature`, as GRPO samples it (greedy decoding would hide a behaviour the policy has in a minority
# of its samples, such as drift), once per item: every budget reads the first $L$ tokens of the same sample, so
# the budgets of an item are paired. Every test item is scored at every budget, by MMAU's rule, by task and
# difficulty; the x-axis is the reasoning tokens actually used. The slope of accuracy on average tokens tells
# inverse scaling (< 0) from useful reasoning (> 0):
#
# $$ b = \frac{\sum_L (x_L - \bar x)(y_L - \bar y)}{\sum_L (x_L - \bar x)^2} $$
#
# with its 95 % interval by bootstrap over items, with and without $L = 0$.
#
# The budgets (`scaling.budgets` empty): $L = 0$ and the `scaling.quantiles` of the SFT traces' token lengths,
# computed here for the SFT model and read back by every GRPO run. The SFT model's run also computes the SFT
# gates (no-think accuracy, negative slope), which the GRPO stages check before they start.

# %% tags=["parameters"]
params_file = "params.yaml"
run = "sft"  # "sft" or "<method>-seed<seed>"

# %%
import json
import math

import pandas as pd
import torch

from replication import configs
from replication.configs.cesar import ARTIFACTS, RUNS, CesarConfig, scaling_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.data.audio_qa import load_splits
from replication.eval.cesar_gates import sft_gates
from replication.eval.cesar_scaling import scaling_curve, scaling_summary
from replication.eval.scaling import budgets_from_quantiles
from replication.eval.scaling_intervals import accuracy_interval, slope_interval
from replication.models.omni import load_processor, load_thinker
from replication.pipeline.runlog import MetricsLog, write_metrics, write_text
from replication.pipeline.runtime import resolve_device
from replication.pipeline.seeding import seed_everything
from replication.rl.cesar_setup import trace_lengths

profile, cfg = configs.load(CesarConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
seed_everything(0)
checkpoint = ARTIFACTS / "sft" if run == "sft" else RUNS / "grpo" / run / "model"
dtype = torch.bfloat16 if runtime.dtype == "bfloat16" else torch.float32
model = load_thinker(str(checkpoint), dtype=dtype).to(resolve_device(runtime))
processor = load_processor(str(checkpoint))
_, traces, test = load_splits(cfg.corpus, ARTIFACTS / "corpus")
test = test[: cfg.scaling.max_items]
out_dir = scaling_run_dir(run)
budgets_file = scaling_run_dir("sft") / "budgets.json"

# %%
if run == "sft":
    budgets = cfg.scaling.budgets or budgets_from_quantiles(trace_lengths(traces, processor.tokenizer),
                                                            cfg.scaling.quantiles)
    write_text(budgets_file, json.dumps({"budgets": budgets}) + "\n")
budgets = json.loads(budgets_file.read_text())["budgets"]
budgets

# %%
rows, outcomes, completions = scaling_curve(model, processor, test, budgets, cfg.scaling.answer_tokens,
                                            cfg.scaling.batch_size, cfg.grpo.instruction, cfg.scaling.temperature)
with MetricsLog(out_dir / "scaling.csv") as log:
    for row in rows:
        log.log(**{key.replace("/", "_"): value for key, value in row.items()})
with MetricsLog(out_dir / "items.csv") as log:
    for outcome in outcomes:
        log.log(**outcome)
write_text(out_dir / "completions.json", json.dumps({str(k): v for k, v in completions.items()}, indent=1,
                                                    sort_keys=True) + "\n")
pd.DataFrame(rows).round(2)

# %% [markdown]
# The slope with its interval (items resampled, each item's whole curve kept together):

# %%
frame = pd.DataFrame(outcomes)
correct = frame.pivot(index="budget", columns="id", values="correct").to_numpy()  # (B, N)
tokens = frame.pivot(index="budget", columns="id", values="tokens").to_numpy()  # (B, N)
slope, slope_no_zero = slope_interval(correct, tokens), slope_interval(correct, tokens, include_zero=False)
summary = {**scaling_summary(rows), "slope_low": slope.low, "slope_high": slope.high,
           "slope_no_zero_low": slope_no_zero.low, "slope_no_zero_high": slope_no_zero.high}
write_metrics(out_dir / "summary.json", {k: v for k, v in summary.items() if math.isfinite(v)})  # no interval: left out
{"slope": str(slope), "slope without L = 0": str(slope_no_zero)}

# %% [markdown]
# The SFT model's gates (computed for `run = "sft"` only): no-thinking accuracy at least `gates.no_think_min`, and
# a slope whose interval lies below 0.

# %%
if run == "sft":
    gates = sft_gates(accuracy_interval(correct[0]), slope, cfg.gates.no_think_min)
    write_metrics(out_dir / "gates.json", gates)
    display_gates = pd.Series(gates).round(3)
else:
    display_gates = "gates are computed for the SFT model"
display_gates

# %% [markdown]
# A few completions at the largest budget:

# %%
[c["text"] for c in completions[budgets[-1]][:3]]
