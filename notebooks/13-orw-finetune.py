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
# the bars meaning the mean over the non-batch dimensions, all terms at the same $(x_\sigma, \sigma)$.
# *Online*: the $x_1$ are unconditional samples of the current policy, redrawn every `refresh_every` steps; the
# reference $v_{\text{ref}}$ is the frozen pre-trained model. Weighting by $e^{\tau r}$ tilts the policy towards
# high-reward samples at every refresh; with $\alpha = 0$ nothing stops the tilt from compounding into
# collapse; the W2 term bounds how far $v_\theta$ may drift from $v_{\text{ref}}$ (a bound on the
# Wasserstein-2 distance between the two generated distributions).
#
# ## What alpha does, and why the tiny profile rescales it
#
# For one sample the loss is a quadratic in $v_\theta$ with its minimum at
#
# $$ v^* = \frac{w\,u + \alpha\, v_{\text{ref}}}{w + \alpha}, \qquad
#    \text{pull} = \frac{\alpha}{w + \alpha} = \frac{\alpha}{e^{\tau r} + \alpha}: $$
#
# $\alpha$ is weighed against the weight $w$, so the scale of $w$ sets what a given $\alpha$ means. The paper's
# $\tau = 0.5$ needs 10k steps; the tiny profile uses $\tau = 3$ to move in 300, which multiplies $w$ near the
# optimum by $e^{2.5} \approx 12$. Adam's step is unchanged when the whole loss is scaled, so the tiny alphas are the
# paper's times $e^{(3 - 0.5) \cdot 1}$: the same pull at the optimum reward $r = 1$ (the paper's 0.3 and 0.8 become
# 3.65 and 9.74). What $\tau = 3$ changes beyond that is the *tilt*: two samples' weights differ by
# $e^{\tau (r_i - r_j)}$, so each refresh favours the better sample harder. The pull of this run's alpha, at the
# base's mean reward and at the optimum, is printed below and written to its metrics.
#
# The same notebook runs the **control** (stages `orw-control@<tau>-<seed>`): alpha = 0 at `tau = 0`, where every
# weight is 1 and the loop fine-tunes the model on its own samples with no reward at all. What the control loses,
# the online loop loses by itself; what alpha = 0 loses beyond it, the reward takes.

# %% tags=["parameters"]
params_file = "params.yaml"
alpha = 0.3
seed = 0
tau = None  # None: the profile's finetune.tau; a number: a control run (alpha = 0), written under runs/orw/control

# %%
from replication import configs
from replication.configs.orw import ARTIFACTS, METRICS, ORWConfig, finetune_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.eval.gates import require_gate
from replication.flow.digit_pool import DigitPoolSampler, evaluate_digits
from replication.flow.objectives import ORWObjective
from replication.flow.online import online_finetune
from replication.flow.orw_pull import PAPER_TAU, equivalent_alpha, pull_fraction
from replication.models.class_flow import ClassConditionedFlow
from replication.models.digit_classifier import DigitClassifier
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ORWConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
run_dir = finetune_run_dir(alpha, seed, tau)
temperature = cfg.finetune.tau if tau is None else tau
cfg.finetune

# %% [markdown]
# The gates: a reward classifier that can be trusted, a base with room to improve and something to collapse.

# %%
require_gate(METRICS / "classifier.json", "classifier_accuracy", "Train the classifier longer (orw.classifier).")
base_reward = require_gate(METRICS / "base.json", "base_reward", "Retrain the base model (orw.base).")
require_gate(METRICS / "base.json", "base_class_entropy", "Retrain the base model (orw.base).")
pull = {
    "pull_at_base_reward": pull_fraction(alpha, temperature, base_reward),
    "pull_at_optimum": pull_fraction(alpha, temperature, 1.0),
    "paper_alpha": equivalent_alpha(alpha, temperature, PAPER_TAU, 1.0),
}
print(f"alpha = {alpha:g} at tau = {temperature:g} pulls v* {pull['pull_at_base_reward']:.1%} of the way to "
      f"v_ref at the base's reward {base_reward:.3f} and {pull['pull_at_optimum']:.1%} at r = 1, as alpha = "
      f"{pull['paper_alpha']:.3g} does at the paper's tau = {PAPER_TAU:g}")

# %%
generator = seed_everything(seed)
reference = ClassConditionedFlow.from_pretrained(ARTIFACTS / "base")
policy = ClassConditionedFlow.from_pretrained(ARTIFACTS / "base")
classifier = DigitClassifier.from_pretrained(ARTIFACTS / "classifier")
draw_pool = DigitPoolSampler(
    reference, classifier, cfg.finetune.pool_size, cfg.base.sampling_steps, generator, runtime,
    label=reference.null_label, w2_samples=cfg.finetune.w2_samples,  # unconditional: the model chooses the digit
)
objective = ORWObjective(alpha=alpha, tau=temperature)

# %%
with MetricsLog(run_dir / "steps.csv") as log:
    online_finetune(
        policy, reference, draw_pool, objective,
        steps=cfg.finetune.steps, batch_size=cfg.finetune.batch_size, lr=cfg.finetune.lr,
        warmup_steps=cfg.finetune.warmup_steps, grad_clip=cfg.finetune.grad_clip,
        refresh_every=cfg.finetune.refresh_every, generator=generator, log=log, runtime=runtime,
    )
policy.save_pretrained(run_dir / "model")
snapshot(cfg.finetune, run_dir / "config.json")

# %% [markdown]
# The final evaluation: `evaluation.samples` fresh samples from the evaluation noise (the same noise the base was
# measured on), so that runs differ only by what training did.

# %%
final = evaluate_digits(policy, reference, classifier, cfg.evaluation.samples, cfg.base.sampling_steps,
                        cfg.evaluation.seed, runtime, label=reference.null_label)
write_metrics(run_dir / "final.json", {"alpha": alpha, "seed": seed, "tau": temperature, **final, **pull,
                                       "eval_samples": cfg.evaluation.samples})
final

# %% [markdown]
# The per-step log (one row per refresh of the sample pool, measured on the pool):

# %%
import pandas as pd

pd.read_csv(run_dir / "steps.csv").iloc[:: max(1, cfg.finetune.steps // cfg.finetune.refresh_every // 6)]
