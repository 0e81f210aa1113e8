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
# # 12 · ORW-CFM-W2 · The pre-trained generator
#
# The policy and the frozen reference both start from this model: diffusers' `SD3Transformer2DModel` (a small
# configuration) conditioned on the digit label, trained with the rectified-flow objective of SD3:
#
# $$ x_\sigma = (1-\sigma)\,x_1 + \sigma\,\epsilon, \qquad u = \epsilon - x_1, \qquad
#    \mathcal{L}_{\mathrm{CFM}} = \mathbb{E}_{x_1,\epsilon,\sigma}\,\lVert v_\theta(x_\sigma,\sigma,c) - u\rVert^2 ,$$
#
# with $\sigma$ drawn logit-normally. Sampling integrates $dx/d\sigma = v_\theta$ from noise ($\sigma=1$) to
# data ($\sigma=0$) with `FlowMatchEulerDiscreteScheduler`.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication import configs
from replication.configs.orw import ARTIFACTS, ORWConfig, RUNS
from replication.configs.runtime import RuntimeConfig
from replication.data.digits import load_split
from replication.flow.pretrain import train_base_flow
from replication.models.class_flow import ClassConditionedFlow
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ORWConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
generator = seed_everything(cfg.base.seed)
split = load_split(ARTIFACTS / "data" / "digits.safetensors")
cfg.base

# %%
model = ClassConditionedFlow(sample_size=split["train_images"].shape[-1], **cfg.base.model.model_dump())
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
with MetricsLog(RUNS / "base" / "train_log.csv") as log:
    train_base_flow(
        model, split["train_images"], split["train_labels"], cfg.base.steps, cfg.base.batch_size,
        cfg.base.lr, cfg.base.timestep_sampling, generator, log, runtime,
    )
model.save_pretrained(ARTIFACTS / "base")
snapshot(cfg.base, ARTIFACTS / "base" / "run_config.json")

# %% [markdown]
# A first look: three samples per conditioning digit (columns 0..9). The fine-tuning runs measure the base
# model's reward and diversity properly, at their step 0.

# %%
from replication.flow.digit_pool import grid_samples
from replication.plots.orw import sample_grid_figure

sample_grid_figure({"base model": grid_samples(model, rows=3, sampling_steps=cfg.base.sampling_steps, seed=0)});
