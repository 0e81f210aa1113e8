"""Per-step training metrics of a GRPO/ADRPO run, from the trainer's own logs into a CSV (``MetricsLog``).

TRL logs, per optimisation step, the mean reward of the sampled completions, the mean token entropy of the policy
on them and (when beta != 0) the mean per-token KL estimate to the reference; ``AdaptiveKLMixin`` adds the
distribution of the effective KL coefficient. Every run writes the same columns, so runs stack into one table:
a value the trainer did not compute is an empty cell (the KL of a beta = 0 run, which loads no reference), and a
fixed-beta run's effective coefficient is its beta for every sample.
"""

from __future__ import annotations

from transformers import TrainerCallback

from replication.pipeline.runlog import MetricsLog

BETA_COLUMNS = ("mean", "min", "max", "q10", "q50", "q90", "frac_clamped", "frac_negative")
# CSV column -> key in the trainer's log dict
TRAINER_KEYS = {
    "reward": "reward",
    "reward_std": "reward_std",
    "entropy": "entropy",
    "kl": "kl",
    "completion_length": "completions/mean_length",
    "loss": "loss",
} | {f"beta_eff_{name}": f"beta_eff/{name}" for name in BETA_COLUMNS}


def metrics_row(step: int, logs: dict, fixed_beta: float | None) -> dict:
    """One CSV row from one trainer log; ``fixed_beta`` fills the beta columns of a plain GRPO run."""
    row = {"step": step}
    for column, key in TRAINER_KEYS.items():
        value = logs.get(key)
        row[column] = None if value is None else float(value)
    if fixed_beta is not None and row["beta_eff_mean"] is None:
        for name in BETA_COLUMNS:
            row[f"beta_eff_{name}"] = 0.0 if name.startswith("frac_") else float(fixed_beta)
    return row


class TrainingMetricsCSV(TrainerCallback):
    """Writes ``metrics_row`` for every training log that carries a reward (TRL logs once per step with
    ``logging_steps=1``); the run's summary log at the end of training has none and is skipped."""

    def __init__(self, log: MetricsLog, fixed_beta: float | None = None):
        self.log, self.fixed_beta = log, fixed_beta

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero:  # under accelerate launch, one writer: the main process
            return
        if logs and "reward" in logs:
            self.log.log(**metrics_row(state.global_step, logs, self.fixed_beta))
