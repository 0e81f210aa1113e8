"""Probe the policy every few optimisation steps (and before the first) and log the result to a CSV."""

from __future__ import annotations

from transformers import PreTrainedModel, PreTrainedTokenizerBase, TrainerCallback

from replication.eval.policy_probe import probe_policy
from replication.pipeline.runlog import MetricsLog
from replication.rl.llm_task import RLTask


def probe_row(step: int, completions: list[str], rewards: list[float], solved: list[bool], samples_per_prompt: int,
              entropy: float, kl: float) -> dict:
    """One CSV row. ``solved``: share of exactly solved samples (either tier of the digit-sum reward); ``top``:
    share with full reward (1.0); ``distinct_solved``: distinct solved answers per prompt over
    ``samples_per_prompt`` (1.0 when every sample is a different correct answer)."""
    groups = range(0, len(completions), samples_per_prompt)
    distinct = [
        len({c for c, ok in zip(completions[i : i + samples_per_prompt], solved[i : i + samples_per_prompt]) if ok})
        for i in groups
    ]
    return {
        "step": step,
        "reward": sum(rewards) / len(rewards),
        "solved": sum(solved) / len(solved),
        "top": sum(r >= 1.0 for r in rewards) / len(rewards),
        "distinct_solved": sum(distinct) / (len(distinct) * samples_per_prompt),
        "entropy": entropy,
        "kl": kl,
    }


def measure_policy(
    model: PreTrainedModel,
    reference: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    task: RLTask,
    samples_per_prompt: int,
    max_new_tokens: int,
    seed: int,
    step: int = 0,
) -> tuple[dict, list[str]]:
    """``probe_policy`` on the task's probe prompts, then its reward and solve check: the ``probe_row`` and the
    sampled completions (prompt-major). The reward columns (one value per prompt) are repeated like the samples."""
    samples = probe_policy(model, reference, tokenizer, task.probe_prompts, samples_per_prompt, max_new_tokens, seed)
    repeated = {key: [v for v in values for _ in range(samples_per_prompt)]
                for key, values in task.probe_reward_kwargs.items()}
    rewards = task.reward_fn(samples.completions, **repeated)
    solved = task.solved_fn(samples.completions, **repeated)
    row = probe_row(step, samples.completions, rewards, solved, samples_per_prompt, samples.entropy, samples.kl)
    return row, samples.completions


class PolicyProbeCallback(TrainerCallback):
    """Runs ``measure_policy`` at step 0 and every ``every`` steps (and the last) and logs its row. The probe
    seed is the same at every step, so the curves compare policies, not sampling noise."""

    def __init__(
        self,
        log: MetricsLog,
        reference: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        task: RLTask,
        every: int,
        samples_per_prompt: int,
        max_new_tokens: int,
        seed: int,
    ):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.log, self.reference, self.tokenizer, self.task, self.every = log, reference.eval(), tokenizer, task, every
        self.samples_per_prompt, self.max_new_tokens, self.seed = samples_per_prompt, max_new_tokens, seed
        self.last_completions: list[str] = []

    def measure(self, model: PreTrainedModel, step: int) -> dict:
        row, self.last_completions = measure_policy(
            model, self.reference, self.tokenizer, self.task, self.samples_per_prompt, self.max_new_tokens,
            self.seed, step,
        )
        return row

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        if state.is_world_process_zero:  # under accelerate launch, the main process probes and writes
            self.log.log(**self.measure(model, 0))

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if not state.is_world_process_zero:
            return
        if state.global_step % self.every == 0 or state.global_step == state.max_steps:
            self.log.log(**self.measure(model, state.global_step))
