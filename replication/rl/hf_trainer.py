"""What every Hugging Face / TRL trainer of the project shares: device and precision flags, and quiet logging.

The per-step records are the CSVs the callbacks write; on stdout a trainer shows one text progress bar
(``replication.pipeline.progress``) instead of its own bar or a printed log dict per step.
"""

from __future__ import annotations

import trl.trainer.utils as trl_utils
from transformers import Trainer, TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from replication.configs.runtime import RuntimeConfig
from replication.pipeline.progress import progress_bar
from replication.pipeline.runtime import resolve_device

CPU_FLOAT32 = RuntimeConfig(device="cpu", dtype="float32")

# TRL 1.16's default tile width (vocabulary entries) of its chunked log-probability kernel, read at import
TRL_LOGPROB_TILE = trl_utils._CHUNKED_LOGPROB_CHUNK_SIZE


def fit_logprob_tiles(vocab_size: int) -> int:
    """HACK (TRL 1.16 internals, no public option): narrow the tile of TRL's chunked log-probability kernel to
    the vocabulary when the vocabulary is smaller than the tile, and return the width set.

    TRL's SFTTrainer and GRPOTrainer score tokens with that kernel, which allocates a (tokens x tile) buffer on
    every forward and backward, 32768 entries wide whatever the vocabulary: for the 47-character vocabulary of the
    tiny models, 700 times the logits. Under ``torch.use_deterministic_algorithms`` (every stage) torch also fills
    each new buffer, so the SFT of a base model spent 55 s in page faults beside 27 s of compute, and the
    allocation was half of a GRPO step even without it (68 -> 26 ms per step, tests and benchmarks in
    docs/adrpo-llm.md); with CESAR's 516-token vocabulary the page faults were 45 % of an SFT step's CPU time
    (perf: 11.8 s of system time in 40 steps, 1.5 s with the tile fitted). One tile covers the whole vocabulary either way, so the computation is the same. The width
    is a module global read at call time, so this sets it for the whole process; a vocabulary at least as large
    as TRL's tile gets TRL's default back.
    """
    width = min(TRL_LOGPROB_TILE, vocab_size)
    trl_utils._CHUNKED_LOGPROB_CHUNK_SIZE = width
    return width


def runtime_args(runtime: RuntimeConfig | None = None) -> dict:
    """TrainingArguments from params.yaml's ``runtime`` (None: CPU in float32), the same for every trainer.

    bf16 is spelled out because TrainingArguments would otherwise autocast to bf16 even on CPU.
    """
    runtime = runtime or CPU_FLOAT32
    resolve_device(runtime)  # refuses cuda without a GPU and bf16 on the CPU
    return dict(
        use_cpu=runtime.device == "cpu",
        bf16=runtime.dtype == "bfloat16",
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        activation_checkpointing=False,  # TRL turns it on by default; the toy models fit without recomputing
    )


class TextProgressCallback(TrainerCallback):
    """One text progress bar over the trainer's ``max_steps`` (main process only)."""

    def __init__(self, desc: str = "train"):
        self.desc = desc
        self.bar = None

    def on_train_begin(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.bar = progress_bar(state.max_steps, self.desc)

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def quiet(trainer: Trainer, desc: str = "train") -> Trainer:
    """Swap the trainer's own progress display and per-step log printing for one ``TextProgressCallback``."""
    for callback in (PrinterCallback, ProgressCallback):
        trainer.remove_callback(callback)
    trainer.add_callback(TextProgressCallback(desc))
    return trainer
