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
# $\sigma$ drawn uniformly (SD3's logit-normal draw rarely visits the low-noise end, and the shapes' edges stayed
# blurred; measured in docs/adrpo-flow.md). Sampling integrates $dx/d\sigma = v_\theta$ from noise to image with
# `FlowMatchEulerDiscreteScheduler`. Held-out prompts are never trained on.
#
# **The gate.** RL can only sharpen what the base already does: a base at chance gives advantages that are noise.
# So before any fine-tuning this stage measures the base's reward on the RL prompts (the fixed evaluation batch
# every run is measured on) and writes it with its window to `metrics/adrpo_flow/base.json`; the RL stages
# refuse to start unless $0.6 \le R_{\text{base}} < 0.9$ (well above chance, with room above it).

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import torch

from replication import configs
from replication.configs.adrpo_flow import ADRPOFlowConfig, ARTIFACTS, METRICS, RUNS
from replication.configs.runtime import RuntimeConfig
from replication.data import shapes
from replication.flow.pretrain import train_base_flow
from replication.models.text_flow import PromptConditionedFlow
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
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
# The gate: the base model on the fixed evaluation batch (RL prompts and held-out prompts; W2 is 0 against
# itself). The RL stages read `base_reward_passed` and do not start when it is 0.

# %%
from replication.eval.gates import describe_gate
from replication.flow.adrpo_run import measure_base_gate
from replication.models.adrpo_flow_models import shapes_testbed

bed = shapes_testbed(cfg.evaluation, cfg.paper_models, cfg.base.sampling_steps, runtime)
base_eval = measure_base_gate(bed, cfg.base.gate, METRICS / "base.json", runtime)
print(describe_gate(base_eval, "base_reward"), f"({base_eval['eval_samples']} samples)")
base_eval

# %% [markdown]
# Samples for a few held-out prompts (rows).

# %%
from replication.flow.prompt_pool import grid_samples
from replication.plots.adrpo_flow_samples import sample_grid_figure

heldout = torch.tensor(split["heldout_prompts"])
shape = (3, cfg.data.image_size, cfg.data.image_size)
images, shown = grid_samples(model, heldout, cfg.figures.grid_prompts, cfg.figures.grid_samples, cfg.base.sampling_steps, shape)
sample_grid_figure({"base model": images}, [split["prompts"][i] for i in shown], cfg.figures.grid_samples);
