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
# # 23 · ADRPO (flow) · Online RL fine-tuning, one method and coefficient
#
# One run of the sweep (DVC runs this notebook once per method, coefficient and seed). Every method shares
# the loop: each `refresh_every` steps the current policy draws $K$ samples for each of a few training
# prompts, the reward scores them, and each step trains on whole prompt groups at one noised point
# $(x_\sigma, \sigma, c)$ per sample, with $u = \epsilon - x_1$. Only the loss changes
# (bars: mean over pixels; $A_i = R_i - \frac{1}{K}\sum_{j \in c_i} R_j$, the group advantage):
#
# - **ADRPO** (`adrpo`, coefficient $\beta_0$):
#   $\mathcal{L} = \frac{1}{B}\sum_i \big[ A_i\,\overline{(v_\theta - u)^2} + (\beta_0 - A_i)\,\overline{(v_\theta - v_{\text{ref}})^2} \big]$
#   — the W2 pull is weaker on good samples and stronger on bad ones; $A_i < 0$ pushes away from bad samples.
# - **fixed-beta ablation** (`fixed_beta`, $\beta_0$): the same with $\beta_0$ in place of $\beta_0 - A_i$.
# - **ORW-CFM-W2** (`orw`, $\alpha$):
#   $\mathcal{L} = \frac{1}{B}\sum_i \big[ e^{\tau R_i}\,\overline{(v_\theta - u)^2} + \alpha\,\overline{(v_\theta - v_{\text{ref}})^2} \big]$.
# - **Diffusion-DPO** (`dpo`, $\beta$; Wallace et al. 2023 with the flow-matching error):
#   $D = \overline{(v_\theta - u)^2} - \overline{(v_{\text{ref}} - u)^2}$,
#   $\mathcal{L} = -\log\sigma(-\beta\,(D_w - D_l))$ for the best ($w$) and worst ($l$) sample of each prompt.
#
# Measured at every refresh on the pool: mean reward, diversity (mean pairwise distance of the classifier's
# object features between samples of the same prompt) and W2 (mean $\lVert v_\theta - v_{\text{ref}}\rVert^2$
# along the policy's sampling trajectories). At the end, the same on a fixed batch of training and held-out prompts.

# %% tags=["parameters"]
params_file = "params.yaml"
method = "adrpo"
value = 0.1
seed = 0

# %%
import torch

from replication import configs
from replication.configs.adrpo_flow import ADRPOFlowConfig, ARTIFACTS, finetune_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.data import shapes
from replication.flow.adrpo_objectives import make_objective
from replication.flow.online import online_finetune, whole_group_minibatch
from replication.flow.prompt_pool import PromptPoolSampler, evaluate, prompt_subset
from replication.models.adrpo_flow_models import load_flow_setup
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
# one intra-op thread: on the shared 2-core machine two threads per process oversubscribe the cores, which
# measured 10-60x slower per step for these small models (a no-op for GPU work, which is on the device)
ft = cfg.finetune
run_dir = finetune_run_dir(method, value, seed)
generator = seed_everything(seed)
_, split = shapes.load_split(ARTIFACTS / "data")
prompts = split["prompts"]
rl_index = prompt_subset(torch.tensor(split["train_prompts"]), ft.rl_prompts, ft.eval_seed)  # the RL prompt set
splits = {"train": rl_index, "heldout": torch.tensor(split["heldout_prompts"])}
setup = load_flow_setup(ft, ARTIFACTS, prompts, runtime)
objective = make_objective(method, value, tau=ft.tau)
ft

# %%
draw_pool = PromptPoolSampler(setup.reference, setup.scorer, prompts, splits["train"], ft.prompts_per_pool,
                              ft.samples_per_prompt, setup.shape, cfg.base.sampling_steps, generator, runtime, setup.decode)
with MetricsLog(run_dir / "steps.csv") as log:
    final_pool = online_finetune(
        setup.policy, setup.reference, draw_pool, objective,
        steps=ft.steps, batch_size=ft.groups_per_batch * ft.samples_per_prompt, lr=ft.lr,
        warmup_steps=ft.warmup_steps, grad_clip=ft.grad_clip, refresh_every=ft.refresh_every,
        generator=generator, log=log, runtime=runtime, draw_minibatch=whole_group_minibatch,
    )
setup.save(run_dir / "model")
snapshot(ft, run_dir / "config.json")

# %% [markdown]
# The final evaluation: a fixed batch of training and held-out prompts, the same prompts and noise in every run.

# %%
setup.policy.eval()
final = evaluate(setup.policy, setup.reference, splits, prompts, setup.scorer, setup.shape, cfg.base.sampling_steps,
                 ft.eval_prompts, ft.eval_samples_per_prompt, ft.eval_seed, runtime, setup.decode)
write_metrics(run_dir / "final.json", {"method": method, "value": value, "seed": seed, **final})
final

# %%
import pandas as pd

pd.read_csv(run_dir / "steps.csv")
