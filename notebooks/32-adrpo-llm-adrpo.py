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
# # 32 · ADRPO for language models · One ADRPO run per architecture
#
# DVC runs this notebook once per (variant, seed): the compared variants (`sweep.adrpo_compared`, with
# `sweep.seeds`, every architecture) and the ablations (`sweep.adrpo_ablations`, with `sweep.ablation_seeds`, on
# `sweep.ablation_architectures`). ADRPO (`replication.rl.adrpo.ADRPOTrainer`) replaces GRPO's β by a
# per-sample coefficient built from the same group advantage, clamped only to the variant's bounds:
#
# $$ \mathcal{L}_{\text{ADRPO}} = \mathcal{L}_{\text{PG}} + \frac{1}{G}\sum_i \operatorname{clip}(\beta_0 - A_i,
#    \beta_{\min}, \beta_{\max})\,\mathrm{KL}_i(\pi_\theta\,\|\,\pi_{\text{ref}}) .$$
#
# What the variant's choices do (each documented in `conf/adrpo_llm.yaml`):
#
# - **No clamp** (the paper's formula): the advantages of a group sum to zero, so the mean coefficient over a
#   step is exactly β0; samples with $A_i > \beta_0$ get a negative coefficient, a bonus for leaving the reference.
# - **Clamp at 0**: no bonus, but the cut-off negative side raises the mean coefficient above β0 (to about
#   0.4 for β0 = 0.05 here): a clamped run is more strongly regularised than its β0 says, so it is compared
#   with the front at its measured mean, never at β0.
# - **`scale_rewards: none`**: $A_i = r_i - \operatorname{mean}_G r$ instead of the std-normalised one, so
#   $|A_i| \le 1$ for rewards in [0, 1] and β0 ≥ 1 keeps every coefficient ≥ 0 with no clamp. The policy term
#   shrinks by the group's std σ_G (at most 0.53 for binary-like rewards in groups of 8); per group the loss is
#   σ_G times that of a std-normalised run with β0' = β0 / σ_G, so β0 = 1 here regularises like β0' ≥ 1.87 there.
#
# The trainer logs the distribution of the coefficient at every step (`beta_eff_*` columns of `train.csv`).

# %% tags=["parameters"]
params_file = "params.yaml"
variant = "paper"
seed = 0
group = "compared"

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
spec = cfg.adrpo_variants[variant]
architectures = {"compared": cfg.sweep.architectures, "ablation": cfg.sweep.ablation_architectures}[group]
for arch in architectures:  # before anything trains: every base model passed its gate
    require_base(arch, cfg.task, cfg.rl, cfg.gates)
spec

# %% [markdown]
# One run per architecture, each from its own base model, with the same seed.

# %%
finals = {}
for arch in architectures:
    finals[arch], samples = train_run(
        "adrpo", variant, seed, arch, spec.beta0, cfg.task, cfg.rl, runtime,
        beta_min=spec.beta_min, beta_max=spec.beta_max, scale_rewards=spec.scale_rewards,
    )
    snapshot(cfg.rl, rl_run_dir("adrpo", variant, seed, arch) / "config.json")
    snapshot(spec, rl_run_dir("adrpo", variant, seed, arch) / "variant.json")
    print(arch, "last probe samples:", samples[: cfg.rl.probe_samples_per_prompt])
write_metrics(rl_stage_dir("adrpo", variant, seed) / "final.json", {
    f"{arch}_{key}": value for arch, final in finals.items() for key, value in final.items() if key != "step"
})
pd.DataFrame(finals).T

# %% [markdown]
# The effective KL coefficient over training (last architecture): quantiles of
# $\operatorname{clip}(\beta_0 - A_i)$ over each step's samples, the share clamped and the share of negative
# unclamped coefficients.

# %%
train = pd.read_csv(rl_run_dir("adrpo", variant, seed, arch) / "train.csv")
train[[c for c in train.columns if c == "step" or c.startswith("beta_eff_")]].iloc[:: max(1, cfg.rl.steps // 8)]
