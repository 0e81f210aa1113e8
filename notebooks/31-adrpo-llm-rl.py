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
# # 31 · ADRPO for language models · One RL run per architecture
#
# DVC runs this notebook once per (method, beta, seed). GRPO (TRL's `GRPOTrainer`) with a fixed KL coefficient:
#
# $$ \mathcal{L}_{\text{GRPO}} = \mathcal{L}_{\text{PG}} + \beta\,\mathrm{KL}(\pi_\theta\,\|\,\pi_{\text{ref}}),
#    \qquad A_i = \frac{r_i - \operatorname{mean}_{j \in G(i)} r_j}{\operatorname{std}_{j \in G(i)} r_j} ;$$
#
# ADRPO (`replication.rl.adrpo.ADRPOTrainer`) replaces $\beta$ by a per-sample coefficient built from the same
# group advantage, clamped only to the bounds params.yaml gives (`rl.adrpo_beta_min`, `rl.adrpo_beta_max`):
#
# $$ \mathcal{L}_{\text{ADRPO}} = \mathcal{L}_{\text{PG}} + \frac{1}{G}\sum_i \operatorname{clip}(\beta_0 - A_i)\,
#    \mathrm{KL}_i(\pi_\theta\,\|\,\pi_{\text{ref}}) .$$
#
# Every method gets the same budget (steps, prompts per step, group size, learning rate). Two logs per run:
# `train.csv` (the trainer's per-step reward, token entropy, KL estimate and effective-beta distribution) and
# `probe.csv` (a fixed prompt set sampled with a fixed seed every `rl.probe_every` steps: reward, exact token
# entropy and KL to the base model: the same measurement for every method, beta = 0 included).

# %% tags=["parameters"]
params_file = "params.yaml"
method = "adrpo"
beta = 0.04
seed = 0

# %%
import pandas as pd
from datasets.utils.logging import disable_progress_bar
from transformers import AutoModelForCausalLM
from transformers.utils import logging as hf_logging

from replication import configs
from replication.configs.adrpo_llm import ADRPOLLMConfig, base_dir, rl_run_dir, rl_stage_dir
from replication.configs.runtime import RuntimeConfig
from replication.models.tiny_lm import load_pretrained_lm
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.runtime import resolve_device
from replication.pipeline.seeding import seed_everything
from replication.rl.llm_task import build_task
from replication.rl.metrics_csv import TrainingMetricsCSV
from replication.rl.probe_callback import PolicyProbeCallback
from replication.rl.runs import build_rl_trainer, rl_config

hf_logging.set_verbosity_error()
disable_progress_bar()
profile, cfg = configs.load(ADRPOLLMConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
bounds = {"beta_min": cfg.rl.adrpo_beta_min, "beta_max": cfg.rl.adrpo_beta_max} if method == "adrpo" else {}
cfg.rl

# %% [markdown]
# One run per architecture, each from its own base model, with the same seed.

# %%
finals = {}
for arch in cfg.sweep.architectures:
    run_dir = rl_run_dir(method, beta, seed, arch)
    seed_everything(seed)
    reference, tokenizer = load_pretrained_lm(base_dir(arch))
    reference = reference.to(resolve_device(runtime))  # the probe's reference sits beside the policy
    task = build_task(cfg.task, tokenizer, prompts_needed=cfg.rl.steps * cfg.rl.prompts_per_step)
    settings = rl_config(
        method, run_dir / "trainer", beta, cfg.rl.steps, cfg.rl.prompts_per_step, cfg.rl.num_generations,
        cfg.rl.max_completion_length, cfg.rl.lr, seed, cfg.rl.loss_type, runtime=runtime, **bounds,
    )
    with MetricsLog(run_dir / "train.csv") as train_log, MetricsLog(run_dir / "probe.csv") as probe_log:
        probe = PolicyProbeCallback(
            probe_log, reference, tokenizer, task.probe_prompts, task.reward_fn, task.probe_reward_kwargs,
            cfg.rl.probe_every, cfg.rl.probe_samples_per_prompt, cfg.rl.max_completion_length, cfg.rl.probe_seed,
        )
        metrics = TrainingMetricsCSV(train_log, fixed_beta=None if method == "adrpo" else beta)
        trainer = build_rl_trainer(base_dir(arch), tokenizer, settings, task.train_dataset, task.reward_fn,
                                   [metrics, probe])
        trainer.train()
    final = pd.read_csv(run_dir / "probe.csv").iloc[-1].to_dict()
    finals[arch] = final
    snapshot(cfg.rl, run_dir / "config.json")
    print(arch, "last probe samples:", probe.last_completions[: cfg.rl.probe_samples_per_prompt])
write_metrics(rl_stage_dir(method, beta, seed) / "final.json", {
    f"{arch}_{key}": value for arch, final in finals.items() for key, value in final.items() if key != "step"
})
pd.DataFrame(finals).T

# %% [markdown]
# The trainer's own per-step log of the last architecture (the effective-beta columns are the fixed beta for
# GRPO; for ADRPO they are the distribution of $\operatorname{clip}(\beta_0 - A_i)$ over the step's samples):

# %%
pd.read_csv(run_dir / "train.csv").iloc[:: max(1, cfg.rl.steps // 8)]
