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
# # 30 · ADRPO for language models · The base policy and its gate
#
# Every RL run of one architecture starts from, and is regularised towards, this model: the pre-trained
# policy $\pi_{\text{ref}}$ of
#
# $$ \mathcal{L}_{\text{ADRPO}} = \mathcal{L}_{\text{PG}} + (\beta_0 - A_i)\,\mathrm{KL}(\pi_\theta \,\|\, \pi_{\text{ref}}) .$$
#
# On the `tiny` and `smoke` profiles it is transformers' `Qwen2ForCausalLM` or `Qwen3ForCausalLM` with a small
# configuration and a character tokenizer built here, randomly initialised and then fine-tuned with TRL's
# `SFTTrainer` on the generated digit-sum task: prompt `17/4=` asks for a 4-digit number whose digits sum to 17
# (597 correct answers), one prompt per feasible (sum, length) pair. SFT answers are drawn uniformly from each
# prompt's answer set, so the base model spreads its mass over many answers (entropy the RL runs can keep or
# lose). The RL reward has two tiers (`replication.rewards.digit_sum`): 1 for a correct answer written with
# non-increasing digits (`9710`), `task.easy_reward` for any other correct one (`4823`), 0 otherwise; SFT knows
# nothing of the tiers, so the base model finds the top tier only as often as it happens to sample it.
# On the `paper` profile it is the paper's checkpoint (`Qwen/Qwen2-0.5B-Instruct`, `Qwen/Qwen3-0.6B`), unchanged.
#
# **The gate.** A stage that trains on a reward at chance produces noise, so before any RL run the base model's
# exact-solve rate on the probe prompts (either tier) must lie in `[gates.base_min_solved, gates.base_max_solved]`:
# well above chance (the rate of a uniformly random well-formed answer, computed and printed beside it) and
# with reward left to gain. The RL stages re-read this stage's `base.json` and refuse to start when it fails.

# %% tags=["parameters"]
params_file = "params.yaml"
arch = "qwen2"

# %%
from datasets.utils.logging import disable_progress_bar
from transformers.utils import logging as hf_logging

from replication import configs
from replication.configs.adrpo_llm import ADRPOLLMConfig, base_dir, base_log_dir
from replication.configs.runtime import RuntimeConfig
from replication.eval.llm_gates import base_gate, base_gate_metrics
from replication.models.sft import sft_config, supervised_finetune
from replication.models.tiny_lm import build_char_tokenizer, load_pretrained_lm, paper_checkpoint, save_lm, tiny_qwen
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import write_metrics
from replication.pipeline.runtime import resolve_device
from replication.pipeline.seeding import seed_everything
from replication.rl.llm_task import build_task, sft_rows
from replication.rl.probe_callback import measure_policy

hf_logging.set_verbosity_error()
disable_progress_bar()
profile, cfg = configs.load(ADRPOLLMConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
out, log_dir = base_dir(arch), base_log_dir(arch)
generator = seed_everything(cfg.model.seed)
cfg.model, cfg.sft

# %%
if cfg.model.init == "pretrained":
    model, tokenizer = load_pretrained_lm(paper_checkpoint(arch))
else:
    tokenizer = build_char_tokenizer()
    model = tiny_qwen(
        arch, tokenizer, hidden_size=cfg.model.hidden_size, num_layers=cfg.model.num_layers,
        num_heads=cfg.model.num_heads, num_kv_heads=cfg.model.num_kv_heads,
        intermediate_size=cfg.model.intermediate_size, seed=cfg.model.seed,
    )
print(f"{type(model).__name__}: {sum(p.numel() for p in model.parameters()):,} parameters")

# %%
if cfg.sft.steps > 0:
    seed_everything(cfg.sft.seed)
    rows = sft_rows(cfg.task, cfg.sft.answers_per_target, cfg.sft.seed)
    settings = sft_config(log_dir / "sft_trainer", cfg.sft.steps, cfg.sft.batch_size, cfg.sft.lr, cfg.sft.seed,
                          max_length=32, runtime=runtime)
    model = supervised_finetune(model, tokenizer, rows, settings, log_dir / "sft_log.csv")
save_lm(model, tokenizer, out)
model = model.to(resolve_device(runtime))
snapshot(cfg.model, log_dir / "model_config.json")

# %% [markdown]
# The base model on the probe prompts, measured exactly as the RL runs measure their policies (their step 0),
# and the gate:

# %%
task = build_task(cfg.task, tokenizer, prompts_needed=1)
k = cfg.rl.probe_samples_per_prompt
row, completions = measure_policy(model, model, tokenizer, task, k, cfg.rl.max_completion_length, cfg.rl.probe_seed)
gate = base_gate(row["solved"], task.chance_solved, cfg.gates.base_min_solved, cfg.gates.base_max_solved,
                 len(task.probe_prompts), k, arch)
write_metrics(log_dir / "base.json", base_gate_metrics(gate, row["solved"], task.chance_solved, row["reward"],
                                                       task.chance_reward) | {"top": row["top"], "entropy": row["entropy"]})
print(gate.message)
print(f"reward {row['reward']:.3f} (chance {task.chance_reward:.3f}); top tier {row['top']:.3f}; "
      f"entropy {row['entropy']:.3f} nats/token")
{prompt: completions[i * k : (i + 1) * k] for i, prompt in enumerate(task.probe_prompts[:: max(1, len(task.probe_prompts) // 6)])}
