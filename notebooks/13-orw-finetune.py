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
# # 13 · ORW-CFM-W2 · Online reward-weighted fine-tuning with W2 regularisation
#
# One run of the sweep (DVC runs this notebook once per `alpha` x `seed`). The loss of ORW-CFM-W2:
#
# $$ \mathcal{L} = \frac{1}{B}\sum_b \Big[ w(x_1^b)\, \underbrace{\overline{(v_\theta - u)^2}}_{\text{fm}_b}
#      + \alpha\, \underbrace{\overline{(v_\theta - v_{\text{ref}})^2}}_{\text{w2}_b} \Big],
#    \qquad w(x_1) = e^{\tau r(x_1)} ,$$
#
# the bars meaning the mean over the non-batch dimensions, all terms at the same $(x_\sigma, \sigma, c)$.
# *Online*: the $x_1$ are samples of the current policy, redrawn every `refresh_every` steps; the reference
# $v_{\text{ref}}$ is the frozen pre-trained model. Weighting by $e^{\tau r}$ tilts the policy towards
# high-reward samples at every refresh; with $\alpha = 0$ nothing stops the tilt from compounding into
# collapse; the W2 term bounds how far $v_\theta$ may drift from $v_{\text{ref}}$ (a bound on the
# Wasserstein-2 distance between the two generated distributions).

# %% tags=["parameters"]
params_file = "params.yaml"
alpha = 0.3
seed = 0

# %%
from replication import configs
from replication.configs.orw import ARTIFACTS, ORWConfig, finetune_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.flow.digit_pool import DigitPoolSampler
from replication.flow.objectives import ORWObjective
from replication.flow.online import online_finetune
from replication.models.class_flow import ClassConditionedFlow
from replication.models.digit_classifier import DigitClassifier
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ORWConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
run_dir = finetune_run_dir(alpha, seed)
generator = seed_everything(seed)
cfg.finetune

# %%
reference = ClassConditionedFlow.from_pretrained(ARTIFACTS / "base")
policy = ClassConditionedFlow.from_pretrained(ARTIFACTS / "base")
classifier = DigitClassifier.from_pretrained(ARTIFACTS / "classifier")
draw_pool = DigitPoolSampler(
    reference, classifier, cfg.finetune.pool_size, cfg.base.sampling_steps, generator, runtime
)
objective = ORWObjective(alpha=alpha, tau=cfg.finetune.tau)

# %%
with MetricsLog(run_dir / "steps.csv") as log:
    final = online_finetune(
        policy, reference, draw_pool, objective,
        steps=cfg.finetune.steps, batch_size=cfg.finetune.batch_size, lr=cfg.finetune.lr,
        warmup_steps=cfg.finetune.warmup_steps, grad_clip=cfg.finetune.grad_clip,
        refresh_every=cfg.finetune.refresh_every, generator=generator, log=log, runtime=runtime,
    )
policy.save_pretrained(run_dir / "model")
snapshot(cfg.finetune, run_dir / "config.json")
write_metrics(run_dir / "final.json", {"alpha": alpha, "seed": seed, **final})
final

# %% [markdown]
# The per-step log (one row per refresh of the sample pool):

# %%
import pandas as pd

pd.read_csv(run_dir / "steps.csv").iloc[:: max(1, cfg.finetune.steps // cfg.finetune.refresh_every // 6)]
