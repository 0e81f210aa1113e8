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
# # 25 · ADRPO (flow) · Online RL fine-tuning on digits, one run of the sweep
#
# The loop and the methods of notebook 24 on the digits testbed (notebook 23): ORW-CFM-W2's class-conditioned
# generator, the digit as the prompt, $R(x, c) = P(c \mid x)$. Each refresh draws $K$ samples of every digit; the
# group advantage $A_i = R_i - \frac{1}{K}\sum_{j \in c_i} R_j$ compares samples of one digit, computed once over
# the whole group. Per method (bars: mean over pixels, all terms at the same $(x_\sigma, \sigma, c)$):
#
# - **ADRPO**: $\frac{1}{B}\sum_i \big[ A_i\,\overline{(v_\theta - u)^2} + (\beta_0 - A_i)\,\overline{(v_\theta - v_{\text{ref}})^2} \big]$;
# - **fixed beta**: $\beta_0$ in place of $\beta_0 - A_i$;
# - **ORW-CFM-W2**: $\frac{1}{B}\sum_i \big[ e^{\tau R_i}\,\overline{(v_\theta - u)^2} + \alpha\,\overline{(v_\theta - v_{\text{ref}})^2} \big]$;
# - **Diffusion-DPO**: $-\log\sigma(-\beta\,(D_w - D_l))$ on each digit's best and worst sample, shared noise.
#
# Diversity is the mean pairwise distance of the classifier's features between samples of the same digit; W2 the
# mean $\lVert v_\theta - v_{\text{ref}}\rVert^2$ along the policy's sampling trajectories.

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
from replication.models.adrpo_flow_models import digits_testbed
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
require_gate(GATE_FILES["digits"], "base_reward", remedy="The digits generator comes from the orw stages "
             "(artifacts/orw/base): see executed/23-adrpo-flow-digits-base.ipynb.")
run_dir = finetune_run_dir("digits", run, seed)
generator = seed_everything(seed)
bed = digits_testbed(cfg.digits.evaluation, cfg.digits.sampling_steps, runtime)
cfg.digits.finetune

# %%
with MetricsLog(run_dir / "steps.csv") as log:
    fine_tune(bed, cfg.digits.finetune, run, generator, log, runtime)
bed.setup.save(run_dir / "model")
snapshot(cfg.digits.finetune, run_dir / "config.json")

# %% [markdown]
# The final evaluation: every digit, the same noise in every run.

# %%
final = evaluate_testbed(bed, bed.setup.policy, runtime)
write_metrics(run_dir / "final.json", {"run": run, "seed": seed, **final})
final

# %%
import pandas as pd

pd.read_csv(run_dir / "steps.csv")
