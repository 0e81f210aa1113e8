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
# # 24 · ADRPO (flow) · Online RL fine-tuning on captioned shapes, one run of the sweep
#
# DVC runs this notebook once per run id (`<method>-<coefficient>`) and seed. Every method shares the loop: each
# `refresh_every` steps the current policy draws $K$ samples for every RL prompt, the reward scores them, and
# the group advantages $A_i = R_i - \frac{1}{K}\sum_{j \in c_i} R_j$ are computed once over each prompt's whole
# group. Each step trains on whole prompt groups at one noised point $(x_\sigma, \sigma, c)$ per sample, with
# $u = \epsilon - x_1$; only the loss changes (bars: mean over pixels):
#
# - **ADRPO** (`adrpo`, coefficient $\beta_0$):
#   $\mathcal{L} = \frac{1}{B}\sum_i \big[ A_i\,\overline{(v_\theta - u)^2} + (\beta_0 - A_i)\,\overline{(v_\theta - v_{\text{ref}})^2} \big]$
#   — the W2 pull is weaker on good samples and stronger on bad ones; $A_i < 0$ pushes away from bad samples.
# - **fixed-beta ablation** (`fixed_beta`, $\beta_0$): the same with $\beta_0$ in place of $\beta_0 - A_i$.
# - **ORW-CFM-W2** (`orw`, $\alpha$):
#   $\mathcal{L} = \frac{1}{B}\sum_i \big[ e^{\tau R_i}\,\overline{(v_\theta - u)^2} + \alpha\,\overline{(v_\theta - v_{\text{ref}})^2} \big]$.
# - **Diffusion-DPO** (`dpo`, $\beta$; Wallace et al. 2023 with the flow-matching error):
#   $D = \overline{(v_\theta - u)^2} - \overline{(v_{\text{ref}} - u)^2}$,
#   $\mathcal{L} = -\log\sigma(-\beta\,(D_w - D_l))$ for the best ($w$) and worst ($l$) sample of each prompt's
#   group, both noised with the same $\epsilon$ and $\sigma$, at its own learning rate.
#
# Measured at every refresh on the pool: mean reward, diversity (mean pairwise distance of the classifier's
# object features between samples of the same prompt) and W2 (mean $\lVert v_\theta - v_{\text{ref}}\rVert^2$
# along the policy's sampling trajectories). At the end, the same on a fixed batch of RL and held-out prompts.

# %% tags=["parameters"]
params_file = "params.yaml"
run = "adrpo-0.2"
seed = 0

# %%
from replication import configs
from replication.configs.adrpo_flow import GATE_FILES, ADRPOFlowConfig, finetune_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.eval.gates import require_gate
from replication.flow.adrpo_run import evaluate_testbed, fine_tune
from replication.models.adrpo_flow_models import shapes_testbed
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
require_gate(GATE_FILES["shapes"], "base_reward", remedy="Train the base longer (adrpo_flow.base.steps) or simplify "
             "the task, then rerun adrpo-flow-base (executed/22-adrpo-flow-base.ipynb shows the samples).")
run_dir = finetune_run_dir("shapes", run, seed)
generator = seed_everything(seed)
bed = shapes_testbed(cfg.evaluation, cfg.paper_models, cfg.base.sampling_steps, runtime)
cfg.finetune

# %%
with MetricsLog(run_dir / "steps.csv") as log:
    fine_tune(bed, cfg.finetune, run, generator, log, runtime)
bed.setup.save(run_dir / "model")
snapshot(cfg.finetune, run_dir / "config.json")

# %% [markdown]
# The final evaluation: a fixed batch of RL and held-out prompts, the same prompts and noise in every run.

# %%
final = evaluate_testbed(bed, bed.setup.policy, runtime)
write_metrics(run_dir / "final.json", {"run": run, "seed": seed, **final})
final

# %%
import pandas as pd

pd.read_csv(run_dir / "steps.csv")
