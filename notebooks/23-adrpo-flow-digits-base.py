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
# # 23 · ADRPO (flow) · The digits testbed and its gate
#
# A second, cheap testbed on which the base already works: ORW-CFM-W2's class-conditioned digits generator
# (`artifacts/orw/base`, an `SD3Transformer2DModel` conditioned on the digit) with the digit as the prompt.
# The reward is the ORW classifier's probability that the image shows the digit it was asked for,
#
# $$ R(x, c) = \operatorname{softmax}\big(f(x)\big)_c \in [0, 1], $$
#
# the digits analogue of CLIPScore's prompt alignment: each prompt (class) is a group of $K$ samples, and the
# advantage $A = R - \bar R_c$ compares samples of one digit. Pushing $R$ to 1 turns every sample of a digit
# into the classifier's most typical one, so reward is bought with the variety *within* a digit: the same
# trade-off as CLIPScore against within-prompt diversity in the paper. (ORW-CFM-W2's own reward, P(even), is
# blind to the condition: in a group of one odd digit almost every sample scores near 0, so group advantages
# carry little signal; see docs/adrpo-flow.md.)
#
# **The gate**: the base's reward on the evaluation batch must lie in $[0.6, 0.9)$, well above chance (0.1) with
# room above it; the digits RL stages refuse to start otherwise.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication import configs
from replication.configs.adrpo_flow import ADRPOFlowConfig, METRICS
from replication.configs.runtime import RuntimeConfig
from replication.eval.gates import describe_gate
from replication.flow.adrpo_run import measure_base_gate
from replication.models.adrpo_flow_models import digits_testbed
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ADRPOFlowConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
seed_everything(cfg.digits.evaluation.seed)
bed = digits_testbed(cfg.digits.evaluation, cfg.digits.sampling_steps, runtime)
cfg.digits.evaluation

# %% [markdown]
# The base model on the fixed evaluation batch (every digit, the same noise as every run's final evaluation):

# %%
base_eval = measure_base_gate(bed, cfg.digits.gate, METRICS / "digits_base.json", runtime)
print(describe_gate(base_eval, "base_reward"), f"({base_eval['eval_samples']} samples)")
base_eval

# %% [markdown]
# Eight samples of each digit (rows) from the base model:

# %%
from replication.flow.prompt_pool import grid_samples
from replication.plots.adrpo_flow_samples import sample_grid_figure

images, shown = grid_samples(bed.setup.reference, bed.splits["train"], 10, 8, cfg.digits.sampling_steps, bed.setup.shape)
sample_grid_figure({"base model": images}, [bed.prompts[i] for i in shown], 8);
