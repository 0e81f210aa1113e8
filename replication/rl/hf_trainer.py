"""What every Hugging Face / TRL trainer of the project shares: device and precision flags, and quiet logging.

The per-step records are the CSVs the callbacks write; on stdout a trainer shows one text progress bar
(``replication.pipeline.progress``) instead of its own bar or a printed log dict per step.
"""

from __future__ import annotations

from transformers import Trainer, TrainerCallback
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from replication.configs.runtime import RuntimeConfig
from replication.pipeline.progress import progress_bar
from replication.pipeline.runtime import resolve_device

CPU_FLOAT32 = RuntimeConfig(device="cpu", dtype="float32")


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


def fit_fused_lm_head(vocab_size: int) -> None:
    """Size TRL's fused LM-head tiles to the vocabulary (a process-wide setting; HACK, labelled as one).

    TRL 1.16 scores tokens without materialising the logits (``trl.kernels.chunked_logprob``): per call it
    allocates a ``[4096, _CHUNKED_LOGPROB_CHUNK_SIZE]`` float buffer (32,768 columns: 512 MB) and writes a tile
    of ``vocab_size`` columns into it, one row per page. With the toy models' 516-token vocabulary the kernel's
    page faults took about 45 % of an SFT step's CPU time (measured with perf: 11.8 s of system time in 40 steps,
    1.5 s after this). TRL reads the constant at call time, so setting it to the vocabulary size is enough; a real
    vocabulary (Qwen's 151,646 tokens) keeps TRL's value.
    """
    import trl.trainer.utils as trl_utils

    if not hasattr(trl_utils, "_CHUNKED_LOGPROB_CHUNK_SIZE"):
        raise RuntimeError("trl.trainer.utils._CHUNKED_LOGPROB_CHUNK_SIZE is gone: this TRL version differs from "
                           "the one tested (1.16); check the fused LM head before removing this call")
    trl_utils._CHUNKED_LOGPROB_CHUNK_SIZE = min(TRL_FUSED_CHUNK, int(vocab_size))


TRL_FUSED_CHUNK = 32768  # TRL 1.16's own value
