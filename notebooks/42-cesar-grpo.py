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
# # 42 · CESAR · GRPO with outcome or process rewards
#
# One run of the sweep (DVC runs this notebook once per `method` x `seed`). GRPO (TRL's `GRPOTrainer`, given
# audio by `AudioGRPOTrainer`) samples $K = 8$ completions per question, normalises their rewards within the group
# and takes a clipped policy-gradient step with a fixed KL penalty to the SFT model. The reward:
#
# $$ R = a_1 R_{acc} + a_2 R_{format} + a_3 R_{consistency} + a_4 R_{keywords} + a_5 R_{overthinking},
#    \qquad a = (5, 1, 1, 1, 1) $$
#
# $R_{consistency} = \mathrm{Sim}(t, \hat y) + \mathrm{Sim}(t, Q)$ (concept overlap, halved to stay in [0, 1]),
# $R_{keywords}$ = analysis-pattern, logic and audio-domain lexicon hits, $R_{overthinking} = 1 - |t| / L_{max}$.
# Methods: `outcome` (accuracy + format: the Ke-Omni-R stand-in), `cesar` (all five), `cesar_no_overthinking`,
# and the ablations `cesar_no_consistency`, `cesar_no_consistency_keywords`. Every component, and the share of
# completions that drift into ungrounded content (`drift`: invented qualities or imagined events), is logged at
# every step for every method (weight 0 where the method leaves it out), so what the process rewards do to the
# traces is measured on one scale.
#
# The prompts are the training items of `grpo.difficulties` (tiny: easy and medium clips, where the testbed's drift
# never changes an answer, so an outcome reward cannot see it; docs/cesar.md). The run refuses to start when the
# SFT gates failed (`gates.enforce`): comparing methods on a testbed that
# cannot show the effect would produce noise, not evidence. Each step's CPU time is split into generation,
# reward, reference log-probabilities and loss (`step_timing`).

# %% tags=["parameters"]
params_file = "params.yaml"
method = "cesar"
seed = 0

# %%
import json

import pandas as pd
from datasets import Dataset

from replication import configs
from replication.configs.cesar import ARTIFACTS, CesarConfig, grpo_run_dir, scaling_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.data.audio_qa import load_splits
from replication.eval.cesar_gates import require
from replication.models.omni import load_processor, save_omni
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything
from replication.rl.cesar_setup import TimedAudioGRPOTrainer, grpo_args, grpo_rows, method_rewards, rl_prompts
from replication.rl.hf_trainer import quiet
from replication.rl.step_timing import CLOCKS, split_step_time

profile, cfg = configs.load(CesarConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
failing = require(json.loads((scaling_run_dir("sft") / "gates.json").read_text()), cfg.gates.enforce,
                  f"GRPO ({method}, seed {seed})")
seed_everything(seed)
run_dir = grpo_run_dir(method, seed)
processor = load_processor(str(ARTIFACTS / "sft"))
train, _, _ = load_splits(cfg.corpus, ARTIFACTS / "corpus")
prompts = rl_prompts(train, cfg.grpo.difficulties)
reward_funcs, weights = method_rewards(method, cfg.grpo, processor.tokenizer)
{"failing gates (not enforced)": failing, "prompts": len(prompts), **dict(zip([getattr(f, "__name__", type(f).__name__)
                                                      for f in reward_funcs], weights))}

# %%
trainer = quiet(TimedAudioGRPOTrainer(
    model=str(ARTIFACTS / "sft"), reward_funcs=reward_funcs, processing_class=processor,
    args=grpo_args(cfg.grpo, seed, weights, run_dir / "trainer", runtime),
    train_dataset=Dataset.from_list(grpo_rows(prompts, cfg.grpo.instruction)),
), desc="GRPO")
trainer.train()
history = [h for h in trainer.state.log_history if "reward" in h]
columns = ["reward", "reward_std", "kl", "completions/mean_length"] + sorted(
    k for k in history[0] if k.startswith("rewards/") and k.endswith("/mean"))
with MetricsLog(run_dir / "steps.csv") as log:
    for h in history:
        log.log(step=h["step"], **{c.replace("/", "_"): float(h[c]) for c in columns})
save_omni(trainer.model, processor, run_dir / "model")
snapshot(cfg.grpo, run_dir / "config.json")
frame = pd.DataFrame(history)[["step", *columns]]
tenth = max(1, len(frame) // 10)
first, last = frame.iloc[:tenth].mean(), frame.iloc[-tenth:].mean()
final = {f"{c.replace('/', '_')}_first": float(first[c]) for c in columns}
final.update({f"{c.replace('/', '_')}_last": float(last[c]) for c in columns})
write_metrics(run_dir / "final.json", {"seed": seed, "steps": len(frame), **final})  # numbers only: DVC metrics
frame.iloc[::tenth].round(3)

# %% [markdown]
# Where a step's CPU time went (seconds per step, mean over the run). Clock readings differ from one run to the
# next, so they stay in this notebook's output and out of the metrics files, which a rerun reproduces byte for byte.

# %%
clocks = pd.DataFrame(history)[[f"time/{name}" for name in CLOCKS]].mean()
pd.Series(split_step_time(**{name: float(clocks[f"time/{name}"]) for name in CLOCKS})).round(3)
