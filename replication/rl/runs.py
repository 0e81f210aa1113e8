"""One RL run of the ADRPO-vs-GRPO comparison: the trainer for a method, configured alike for every method.

Only two things differ between methods: the trainer class and how beta is read (a fixed coefficient for GRPO;
beta0 with optional clamp bounds and its own advantage scaling for an ADRPO variant). Everything else (budget,
sampling, optimiser, schedule, loss aggregation) comes from the same arguments, which makes the comparison fair.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from datasets import Dataset
from transformers import PreTrainedTokenizerBase, TrainerCallback
from trl import GRPOConfig, GRPOTrainer

from replication.configs.adrpo_llm import GatesConfig, RLConfig, TaskConfig, base_dir, base_log_dir, rl_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.eval.llm_gates import read_base_gate, require
from replication.models.tiny_lm import load_pretrained_lm
from replication.pipeline.runlog import MetricsLog
from replication.pipeline.runtime import resolve_device
from replication.pipeline.seeding import seed_everything
from replication.rl.adrpo import ADRPOConfig, ADRPOTrainer
from replication.rl.hf_trainer import fit_logprob_tiles, quiet, runtime_args
from replication.rl.llm_task import build_task, probe_goals
from replication.rl.metrics_csv import TrainingMetricsCSV
from replication.rl.probe_callback import PolicyProbeCallback

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
    scale_rewards: str = "group",
    warmup_steps: int = 0,
    beta_min: float | None = None,
    beta_max: float | None = None,
    runtime: RuntimeConfig | None = None,
) -> GRPOConfig:
    """``GRPOConfig`` (method "grpo", fixed ``beta``) or ``ADRPOConfig`` (method "adrpo", ``beta`` is beta0).

    ``scale_rewards`` (TRL): "group" divides each group's centred rewards by the group's std, "batch" by the
    batch's, "none" leaves A = r - mean(r) (|A| <= 1 for rewards in [0, 1]). ``runtime`` (params.yaml's
    ``runtime``): device and autocast precision; None means CPU in float32."""
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
        lr_scheduler_type="constant_with_warmup",
        warmup_steps=warmup_steps,
        temperature=1.0,
        loss_type=loss_type,
        scale_rewards=scale_rewards,
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
    fit_logprob_tiles(trainer.model.config.get_text_config().vocab_size)
    return quiet(trainer, desc=type(trainer).__name__)


def require_base(architecture: str, task: TaskConfig, rl: RLConfig, gates: GatesConfig) -> None:
    """Refuse an RL run whose base model failed its gate (``replication.eval.llm_gates``), before any training."""
    n_prompts = len(probe_goals(task)) if task.name == "digit_sum" else task.probe_prompts
    require(read_base_gate(base_log_dir(architecture) / "base.json", gates.base_min_solved, gates.base_max_solved,
                           n_prompts, rl.probe_samples_per_prompt, architecture))


def train_run(
    method: str,
    setting: float | str,
    seed: int,
    architecture: str,
    beta: float,
    task: TaskConfig,
    rl: RLConfig,
    runtime: RuntimeConfig | None = None,
    beta_min: float | None = None,
    beta_max: float | None = None,
    scale_rewards: str | None = None,
) -> tuple[dict, list[str]]:
    """One RL run from the architecture's base model: its logs in ``rl_run_dir`` (train.csv: the trainer's
    per-step metrics; probe.csv: the fixed probe every ``rl.probe_every`` steps; config.json) and the last probe
    row with its samples. ``setting`` names the run (GRPO: beta; ADRPO: the variant); ``beta`` is GRPO's beta or
    ADRPO's beta0; ``scale_rewards`` None means ``rl.scale_rewards``."""
    run_dir = rl_run_dir(method, setting, seed, architecture)
    seed_everything(seed)
    reference, tokenizer = load_pretrained_lm(base_dir(architecture))
    reference = reference.to(resolve_device(runtime))  # the probe's reference sits beside the policy
    rl_task = build_task(task, tokenizer, prompts_needed=rl.steps * rl.prompts_per_step)
    bounds = {"beta_min": beta_min, "beta_max": beta_max} if method == "adrpo" else {}
    settings = rl_config(
        method, run_dir / "trainer", beta, rl.steps, rl.prompts_per_step, rl.num_generations,
        rl.max_completion_length, rl.lr, seed, rl.loss_type, scale_rewards or rl.scale_rewards, rl.warmup_steps,
        runtime=runtime, **bounds,
    )
    with MetricsLog(run_dir / "train.csv") as train_log, MetricsLog(run_dir / "probe.csv") as probe_log:
        probe = PolicyProbeCallback(probe_log, reference, tokenizer, rl_task, rl.probe_every,
                                    rl.probe_samples_per_prompt, rl.max_completion_length, rl.probe_seed)
        metrics = TrainingMetricsCSV(train_log, fixed_beta=None if method == "adrpo" else beta)
        trainer = build_rl_trainer(base_dir(architecture), tokenizer, settings, rl_task.train_dataset,
                                   rl_task.reward_fn, [metrics, probe])
        trainer.train()
    final = pd.read_csv(run_dir / "probe.csv").iloc[-1].to_dict()
    return final, probe.last_completions
