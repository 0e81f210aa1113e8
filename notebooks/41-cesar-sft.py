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
# # 41 · CESAR · The base model: Qwen2.5-Omni's Thinker, warmed up on reasoning traces
#
# The policy is transformers' `Qwen2_5OmniThinkerForConditionalGeneration` (Whisper-style audio encoder whose
# frames enter the Qwen2.5 language model as `<|AUDIO|>` tokens, multimodal RoPE), at toy widths and randomly
# initialised, with a byte-level BPE tokenizer trained on the corpus. GRPO needs a model that already writes
#
# $$ \texttt{<think>}\; t \;\texttt{</think><answer>}\; y \;\texttt{</answer>} $$
#
# so an SFT stage (TRL's `SFTTrainer`, with `AudioSFTCollator` supplying the audio features) teaches the format,
# the perception and the testbed's traces (their drift included: the SFT model is the paper's "base model" that
# scales inversely), cross-entropy on the completion tokens only. Each row is one (item, trace), drawn to be one
# of three shapes: a full trace (and its last conclusion), an *empty* thinking closed by force
# (`sft.no_think_share`: the no-reasoning mode measured at L = 0), or a trace *cut* at a random token and closed by
# force (`sft.cut_share`), answered with what that prefix supports (its last conclusion written in full, else the
# truth): the shape budget forcing produces at any L. The forced `</think><answer>` is context, not a target, so
# the model never learns to stop thinking early by itself.
#
# Two choices the toy model needs (docs/cesar.md): widths 128 x 2 layers (at 64 the model did not learn to tell
# the events apart in 1,600 steps), and Kaiming-initialised audio convolutions (`init_audio_convolutions`: with
# transformers' default the clip's content is drowned by the encoder's positional embedding).
#
# The paper starts from the instruction-tuned 7B model instead: on the `paper` profile `sft.steps` is 0 and the
# hub model is saved as it is.

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import pandas as pd
from datasets import Dataset

from replication import configs
from replication.configs.cesar import ARTIFACTS, CesarConfig, RUNS
from replication.configs.runtime import RuntimeConfig
from replication.data.audio_qa import load_splits
from replication.models.omni import save_omni
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import MetricsLog, write_metrics
from replication.pipeline.seeding import seed_everything
from replication.rl.audio_sft import audio_sft_trainer
from replication.rl.cesar_setup import base_model, sft_args, sft_rows, tokenizer_texts

profile, cfg = configs.load(CesarConfig, params_file)
_, runtime = configs.load(RuntimeConfig, params_file)
seed_everything(cfg.sft.seed)
train, traces, _ = load_splits(cfg.corpus, ARTIFACTS / "corpus")
model, processor = base_model(cfg.model, tokenizer_texts(train, traces, cfg.grpo.instruction))
print(f"{sum(p.numel() for p in model.parameters()):,} parameters, vocabulary {len(processor.tokenizer)}")

# %%
history = []
if cfg.sft.steps > 0:
    dataset = Dataset.from_list(sft_rows(train, traces, cfg.grpo.instruction, processor.tokenizer,
                                         cfg.sft.no_think_share, cfg.sft.cut_share, cfg.sft.seed))
    trainer = audio_sft_trainer(model, processor, dataset, sft_args(cfg.sft, RUNS / "sft" / "trainer", runtime),
                                cfg.sft.max_length)
    trainer.train()
    history = [h for h in trainer.state.log_history if "loss" in h]
with MetricsLog(RUNS / "sft" / "steps.csv") as log:
    for h in history:
        log.log(step=h["step"], loss=h["loss"], token_accuracy=h.get("mean_token_accuracy", 0.0))
save_omni(model, processor, ARTIFACTS / "sft")
snapshot(cfg.sft, ARTIFACTS / "sft" / "sft_config.json")
# without SFT (the paper profile) there is no loss to report, and none is written
measured = {"final_loss": history[-1]["loss"], "final_token_accuracy": history[-1]["mean_token_accuracy"]} if history else {}
write_metrics("metrics/cesar/sft.json", {"steps": cfg.sft.steps, **measured})
pd.DataFrame(history)[["step", "loss", "mean_token_accuracy"]] if history else "no SFT on this profile"
