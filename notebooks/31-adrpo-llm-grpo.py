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
# # 31 · ADRPO for language models · The fixed-β front: one GRPO run per architecture
#
# DVC runs this notebook once per (β, seed) of `sweep.grpo_betas` × `sweep.seeds`. GRPO (TRL's `GRPOTrainer`)
# with a fixed KL coefficient:
#
# $$ \mathcal{L}_{\text{GRPO}} = \mathcal{L}_{\text{PG}} + \beta\,\mathrm{KL}(\pi_\theta\,\|\,\pi_{\text{ref}}),
#    \qquad A_i = \frac{r_i - \operatorname{mean}_{j \in G(i)} r_j}{\operatorname{std}_{j \in G(i)} r_j} $$
#
# (`rl.scale_rewards: group`; β = 0 loads no reference model and has no KL term). Run at several β, these are
# the front ADRPO is placed against (notebook 32): its reward at a matched mean effective β, and at a matched
# KL to the base model. Every run gets the same budget as every ADRPO run (steps, prompts per step, group size,
# learning rate and schedule). Two logs per run: `train.csv` (the trainer's per-step reward, token entropy and
# KL estimate) and `probe.csv` (the fixed probe prompts sampled with a fixed seed every `rl.probe_every` steps:
# reward, solve rates, exact token entropy and KL to the base model, measured alike for every method).

# %% tags=["parameters"]
params_file = "params.yaml"
beta = 0.0
seed = 0

# %%
import pandas as pd
from datasets.utils.logging import disable_progress_bar
from transformers.utils import logging as hf_logging

from replication import configs
from replication.configs.adrpo_llm import ADRPOLLMConfig, rl_run_dir, rl_stage_dir
from replication.configs.runtime import RuntimeConfig
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import write_metrics
from replication.rl.runs import require_base, train_run

hf_logging.set_verbosity_error()
disable_progress_bar()
profile, cfg = configs.load(ADRPOLLMConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
architectures = cfg.sweep.architectures
for arch in architectures:  # before anything trains: every base model passed its gate
    require_base(arch, cfg.task, cfg.rl, cfg.gates)
cfg.rl

# %% [markdown]
# One run per architecture, each from its own base model, with the same seed.

# %%
finals = {}
for arch in architectures:
    finals[arch], samples = train_run("grpo", beta, seed, arch, beta, cfg.task, cfg.rl, runtime)
    snapshot(cfg.rl, rl_run_dir("grpo", beta, seed, arch) / "config.json")
    print(arch, "last probe samples:", samples[: cfg.rl.probe_samples_per_prompt])
write_metrics(rl_stage_dir("grpo", beta, seed) / "final.json", {
    f"{arch}_{key}": value for arch, final in finals.items() for key, value in final.items() if key != "step"
})
pd.DataFrame(finals).T

# %% [markdown]
# The probe over training (last architecture):

# %%
pd.read_csv(rl_run_dir("grpo", beta, seed, arch) / "probe.csv")
