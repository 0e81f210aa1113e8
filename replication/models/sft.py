"""Supervised fine-tuning of the base policy with TRL's ``SFTTrainer`` on generated correct answers.

The base model of the RL runs must already put its mass on many correct answers (so that entropy has something to
lose), and must be imperfect (so that RL has reward to gain): a short SFT on uniformly drawn answers gives both.
"""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset
from transformers import PreTrainedModel, PreTrainedTokenizerBase, TrainerCallback
from trl import SFTConfig, SFTTrainer

from replication.configs.runtime import RuntimeConfig
from replication.pipeline.runlog import MetricsLog
from replication.rl.hf_trainer import fit_logprob_tiles, quiet, runtime_args


class LossCSV(TrainerCallback):
    """Writes each logged training loss to a ``MetricsLog`` (columns: step, loss, learning_rate)."""

    def __init__(self, log: MetricsLog):
        self.log = log

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.log.log(step=state.global_step, loss=float(logs["loss"]), learning_rate=float(logs["learning_rate"]))


def sft_config(
    output_dir: str | Path, steps: int, batch_size: int, lr: float, seed: int, max_length: int,
    runtime: RuntimeConfig | None = None,
) -> SFTConfig:
    """The SFT settings every profile uses; sizes come from params.yaml, device and precision from ``runtime``
    (None: CPU in float32)."""
    return SFTConfig(
        output_dir=str(output_dir),
        max_steps=steps,
        per_device_train_batch_size=batch_size,
        learning_rate=lr,
        lr_scheduler_type="cosine",
        warmup_steps=max(1, steps // 20),
        seed=seed,
        data_seed=seed,
        max_length=max_length,
        completion_only_loss=True,  # learn the answers, not the prompts
        logging_steps=max(1, steps // 50),
        **runtime_args(runtime),
    )


def supervised_finetune(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    dataset: Dataset,
    config: SFTConfig,
    log_path: str | Path,
) -> PreTrainedModel:
    """Train ``model`` on the prompt-completion ``dataset`` (EOS appended by TRL) and return it; losses go to CSV."""
    with MetricsLog(log_path) as log:
        trainer = quiet(SFTTrainer(
            model=model, args=config, train_dataset=dataset, processing_class=tokenizer, callbacks=[LossCSV(log)]
        ), desc="SFT")
        fit_logprob_tiles(len(tokenizer))
        trainer.train()
    return trainer.model
