"""One RL run of the ADRPO-vs-GRPO comparison: the trainer for a method, configured alike for every method.

Only two things differ between methods: the trainer class and how beta is read (a fixed coefficient for GRPO,
beta0 with optional clamp bounds for ADRPO). Everything else (budget, sampling, optimiser, loss aggregation) comes
from the same arguments, which is what makes the comparison fair.
"""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset
from transformers import PreTrainedTokenizerBase, TrainerCallback
from trl import GRPOConfig, GRPOTrainer

from replication.configs.runtime import RuntimeConfig
from replication.rl.adrpo import ADRPOConfig, ADRPOTrainer
from replication.rl.hf_trainer import quiet, runtime_args

METHODS = ("grpo", "adrpo")


def rl_config(
    method: str,
    output_dir: str | Path,
    beta: float,
    steps: int,
    prompts_per_step: int,
    num_generations: int,
    max_completion_length: int,
    lr: float,
    seed: int,
    loss_type: str = "grpo",
    beta_min: float | None = None,
    beta_max: float | None = None,
    runtime: RuntimeConfig | None = None,
) -> GRPOConfig:
    """``GRPOConfig`` (method "grpo", fixed ``beta``) or ``ADRPOConfig`` (method "adrpo", ``beta`` is beta0).

    ``runtime`` (params.yaml's ``runtime``): device and autocast precision; None means CPU in float32."""
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not supported; allowed: {', '.join(METHODS)}")
    if method == "grpo" and (beta_min is not None or beta_max is not None):
        raise ValueError("beta_min/beta_max are ADRPO's clamp bounds; a fixed-beta GRPO run takes neither")
    common = dict(
        output_dir=str(output_dir),
        beta=beta,
        max_steps=steps,
        per_device_train_batch_size=prompts_per_step * num_generations,
        num_generations=num_generations,
        max_completion_length=max_completion_length,
        learning_rate=lr,
        lr_scheduler_type="constant",
        temperature=1.0,
        loss_type=loss_type,
        seed=seed,
        data_seed=seed,
        logging_steps=1,
        **runtime_args(runtime),
    )
    if method == "adrpo":
        return ADRPOConfig(beta_min=beta_min, beta_max=beta_max, **common)
    return GRPOConfig(**common)


def build_rl_trainer(
    checkpoint: str | Path,
    tokenizer: PreTrainedTokenizerBase,
    config: GRPOConfig,
    dataset: Dataset,
    reward_fn,
    callbacks: list[TrainerCallback],
) -> GRPOTrainer:
    """The trainer for ``config``'s method, starting from (and, when beta != 0, anchored to) ``checkpoint``."""
    trainer_class = ADRPOTrainer if isinstance(config, ADRPOConfig) else GRPOTrainer
    trainer = trainer_class(
        model=str(checkpoint), reward_funcs=reward_fn, args=config, train_dataset=dataset,
        processing_class=tokenizer, callbacks=callbacks,
    )
    return quiet(trainer, desc=type(trainer).__name__)
