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
# # 22 · ADRPO (flow) · The pre-trained generator
#
# The model RL starts from and regularises towards: diffusers' `SD3Transformer2DModel` (joint attention over
# image patches and the prompt's tokens, SD3's MMDiT) with a small transformers `CLIPTextModel` over a
# word-level tokenizer of the caption vocabulary, both trained here from scratch by rectified-flow matching on
# the training scenes:
#
# $$ x_\sigma = (1-\sigma)\,x_1 + \sigma\,\epsilon, \qquad
#    \mathcal{L}_{\mathrm{CFM}} = \mathbb{E}\,\lVert v_\theta(x_\sigma,\sigma,c) - (\epsilon - x_1)\rVert^2 ,$$
#
# $\sigma$ drawn logit-normally (SD3). Sampling integrates $dx/d\sigma = v_\theta$ from noise to image with
# `FlowMatchEulerDiscreteScheduler`. Held-out prompts are never trained on.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import torch

from replication import configs
from replication.configs.adrpo_flow import ADRPOFlowConfig, ARTIFACTS, RUNS
from replication.configs.runtime import RuntimeConfig
from replication.data import shapes
from replication.flow.pretrain import train_base_flow
from replication.models.text_flow import PromptConditionedFlow
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
# one intra-op thread: on the shared 2-core machine two threads per process oversubscribe the cores, which
# measured 10-60x slower per step for these small models (a no-op for GPU work, which is on the device)
generator = seed_everything(cfg.base.seed)
tensors, split = shapes.load_split(ARTIFACTS / "data")
cfg.base

# %%
model = PromptConditionedFlow(words=shapes.vocabulary(), prompts=split["prompts"], sample_size=cfg.data.image_size,
                              **cfg.base.model.model_dump())
print(f"{sum(p.numel() for p in model.transformer.parameters()):,} transformer and "
      f"{sum(p.numel() for p in model.text_encoder.parameters()):,} text-encoder parameters")
with MetricsLog(RUNS / "base" / "train_log.csv") as log:
    train_base_flow(model, tensors["train_images"], tensors["train_prompt"], cfg.base.steps, cfg.base.batch_size,
                    cfg.base.lr, cfg.base.timestep_sampling, generator, log, runtime)
model.save_pretrained(ARTIFACTS / "base")
snapshot(cfg.base, ARTIFACTS / "base" / "run_config.json")

# %% [markdown]
# Samples for a few held-out prompts (rows); the fine-tuning runs measure reward and diversity properly.

# %%
from replication.flow.prompt_pool import grid_samples
from replication.plots.adrpo_flow import sample_grid_figure

heldout = torch.tensor(split["heldout_prompts"])
shape = (3, cfg.data.image_size, cfg.data.image_size)
images, shown = grid_samples(model, heldout, cfg.figures.grid_prompts, cfg.figures.grid_samples, cfg.base.sampling_steps, shape)
sample_grid_figure({"base model": images}, [split["prompts"][i] for i in shown], cfg.figures.grid_samples);
