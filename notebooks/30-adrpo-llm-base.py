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
# # 30 · ADRPO for language models · The base policy
#
# Every RL run of one architecture starts from, and is regularised towards, this model: the pre-trained
# policy $\pi_{\text{ref}}$ of
#
# $$ \mathcal{L}_{\text{ADRPO}} = \mathcal{L}_{\text{PG}} + (\beta_0 - A_i)\,\mathrm{KL}(\pi_\theta \,\|\, \pi_{\text{ref}}) .$$
#
# On the `tiny` and `smoke` profiles it is transformers' `Qwen2ForCausalLM` or `Qwen3ForCausalLM` with a small
# configuration and a character tokenizer built here, randomly initialised and then fine-tuned with TRL's
# `SFTTrainer` on the generated digit-sum task: prompt `17/4=` asks for a 4-digit number whose digits sum to 17
# (597 correct answers). SFT answers are drawn uniformly from each target's answer set, so the base model spreads
# its mass over many answers (entropy the RL runs can keep or lose) and is far from always right (reward to gain).
# On the `paper` profile it is the paper's checkpoint (`Qwen/Qwen2-0.5B-Instruct`, `Qwen/Qwen3-0.6B`), unchanged.

# %% tags=["parameters"]
params_file = "params.yaml"
arch = "qwen2"

# %%
from datasets.utils.logging import disable_progress_bar
from transformers.utils import logging as hf_logging

from replication import configs
from replication.configs.adrpo_llm import ADRPOLLMConfig, base_dir, base_log_dir
from replication.configs.runtime import RuntimeConfig
from replication.models.sft import sft_config, supervised_finetune
from replication.models.tiny_lm import build_char_tokenizer, load_pretrained_lm, paper_checkpoint, save_lm, tiny_qwen
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import write_metrics
from replication.pipeline.runtime import resolve_device
from replication.pipeline.seeding import seed_everything
from replication.rl.llm_task import sft_rows

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
    settings = sft_config(log_dir / "sft_trainer", cfg.sft.steps, cfg.sft.batch_size, cfg.sft.lr, cfg.sft.seed, max_length=32, runtime=runtime)
    model = supervised_finetune(model, tokenizer, rows, settings, log_dir / "sft_log.csv")
save_lm(model, tokenizer, out)
model = model.to(resolve_device(runtime))
snapshot(cfg.model, log_dir / "model_config.json")

# %% [markdown]
# A first look: sampled answers of the base model (the RL runs measure it properly at their step 0).

# %%
from replication.rl.llm_task import build_task
from replication.rl.probe_callback import measure_policy

task = build_task(cfg.task, tokenizer, prompts_needed=1)
k = cfg.rl.probe_samples_per_prompt
row, completions = measure_policy(
    model, model, tokenizer, task.probe_prompts, task.reward_fn, task.probe_reward_kwargs, k,
    cfg.rl.max_completion_length, cfg.rl.probe_seed,
)
write_metrics(log_dir / "base.json", {key: value for key, value in row.items() if key not in ("step", "kl")})
print(row)
{prompt: completions[i * k : (i + 1) * k] for i, prompt in enumerate(task.probe_prompts[:4])}
