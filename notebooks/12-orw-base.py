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
# configuration) conditioned on a label, trained with the rectified-flow objective of SD3:
#
# $$ x_\sigma = (1-\sigma)\,x_1 + \sigma\,\epsilon, \qquad u = \epsilon - x_1, \qquad
#    \mathcal{L}_{\mathrm{CFM}} = \mathbb{E}_{x_1,\epsilon,\sigma}\,\lVert v_\theta(x_\sigma,\sigma,c) - u\rVert^2 ,$$
#
# with $\sigma$ drawn logit-normally. Sampling integrates $dx/d\sigma = v_\theta$ from noise ($\sigma=1$) to
# data ($\sigma=0$) with `FlowMatchEulerDiscreteScheduler`.
#
# The label $c$ is the digit, or, for a share `condition_dropout` of the training images, a **null label**
# (classifier-free-guidance training): one model then draws a given digit *and* draws digits unconditionally.
# ORW-CFM-W2's task, "generate even digits", fine-tunes the unconditional model, which chooses the digit itself;
# the class-conditioned part serves the ADRPO digits testbed.
#
# Then the base is measured (the same evaluation noise as every fine-tuned run) and its two **gates** written:
# its reward must lie well below the optimum 1 (room to improve) and its class entropy near $\log 10$ (something to
# collapse). The fine-tuning stages refuse to start when either fails.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
from replication import configs
from replication.configs.orw import ARTIFACTS, METRICS, RUNS, ORWConfig
from replication.configs.runtime import RuntimeConfig
from replication.data.digits import load_split
from replication.eval.gates import gate_metrics, require_gate
from replication.flow.digit_pool import evaluate_digits
from replication.flow.pretrain import train_base_flow
from replication.models.class_flow import ClassConditionedFlow
from replication.models.digit_classifier import DigitClassifier
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything

profile, cfg = configs.load(ORWConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
generator = seed_everything(cfg.base.seed)
split = load_split(ARTIFACTS / "data" / "digits.safetensors")
cfg.base

# %%
model = ClassConditionedFlow(sample_size=split["train_images"].shape[-1], null_class=True, **cfg.base.model.model_dump())
print(f"{sum(p.numel() for p in model.parameters()):,} parameters")
with MetricsLog(RUNS / "base" / "train_log.csv") as log:
    train_base_flow(
        model, split["train_images"], split["train_labels"], cfg.base.steps, cfg.base.batch_size,
        cfg.base.lr, cfg.base.timestep_sampling, generator, log, runtime,
        condition_dropout=cfg.base.condition_dropout, null_condition=model.null_label,
    )
model.save_pretrained(ARTIFACTS / "base")
snapshot(cfg.base, ARTIFACTS / "base" / "run_config.json")

# %% [markdown]
# ## The base model, measured
#
# Unconditional samples (the null label) scored by the reward classifier, once it has passed its own gate:

# %%
require_gate(METRICS / "classifier.json", "classifier_accuracy", "Train the classifier longer (orw.classifier).")
classifier = DigitClassifier.from_pretrained(ARTIFACTS / "classifier")
base = evaluate_digits(model, model, classifier, cfg.evaluation.samples, cfg.base.sampling_steps,
                       cfg.evaluation.seed, runtime, label=model.null_label)
base.pop("w2")  # the model against itself: 0 by construction
gates = {
    **gate_metrics("base_reward", base["reward"], cfg.gates.base_reward.min, cfg.gates.base_reward.max),
    **gate_metrics("base_class_entropy", base["class_entropy"], cfg.gates.base_class_entropy.min,
                   cfg.gates.base_class_entropy.max),
}
write_metrics(METRICS / "base.json", {**base, **gates, "eval_samples": cfg.evaluation.samples})
for name in ("base_reward", "base_class_entropy"):
    print(f"{name} {gates[name]:.3f}: gate [{gates[name + '_min']:g}, {gates[name + '_max']:g}) "
          f"{'passed' if gates[name + '_passed'] else 'FAILED'}")
base

# %% [markdown]
# A first look: unconditional samples (what ORW fine-tunes) and, below, three samples per conditioning digit
# (columns 0..9, what the ADRPO digits testbed uses).

# %%
from replication.flow.digit_pool import grid_samples
from replication.plots.orw import sample_grid_figure

sample_grid_figure({
    "unconditional (null label)": grid_samples(model, 3, cfg.base.sampling_steps, seed=0, label=model.null_label),
    "conditioned on 0..9": grid_samples(model, 3, cfg.base.sampling_steps, seed=0),
});
