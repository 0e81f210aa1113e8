"""Probe the policy every few optimisation steps (and before the first) and log the result to a CSV."""

from __future__ import annotations

from collections.abc import Callable

from transformers import PreTrainedModel, PreTrainedTokenizerBase, TrainerCallback

from replication.eval.policy_probe import probe_policy
from replication.pipeline.runlog import MetricsLog


def probe_row(step: int, completions: list[str], rewards: list[float], samples_per_prompt: int, entropy: float,
              kl: float) -> dict:
    """One CSV row. ``solved``: share of samples with full reward (1.0); ``distinct_solved``: distinct full-reward
    answers per prompt over ``samples_per_prompt`` (1.0 when every sample is a different correct answer)."""
    groups = range(0, len(completions), samples_per_prompt)
    distinct = [
        len({c for c, r in zip(completions[i : i + samples_per_prompt], rewards[i : i + samples_per_prompt]) if r >= 1.0})
        for i in groups
    ]
    return {
        "step": step,
        "reward": sum(rewards) / len(rewards),
        "solved": sum(r >= 1.0 for r in rewards) / len(rewards),
        "distinct_solved": sum(distinct) / (len(distinct) * samples_per_prompt),
        "entropy": entropy,
        "kl": kl,
    }


def measure_policy(
    model: PreTrainedModel,
    reference: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: list[str],
    reward_fn: Callable[..., list[float]],
    reward_kwargs: dict[str, list],
    samples_per_prompt: int,
    max_new_tokens: int,
    seed: int,
    step: int = 0,
) -> tuple[dict, list[str]]:
    """``probe_policy`` then the reward: returns the ``probe_row`` and the sampled completions.

    ``reward_kwargs`` has one value per prompt; it is repeated like the prompts' samples."""
    samples = probe_policy(model, reference, tokenizer, prompts, samples_per_prompt, max_new_tokens, seed)
    repeated = {key: [v for v in values for _ in range(samples_per_prompt)] for key, values in reward_kwargs.items()}
    rewards = reward_fn(samples.completions, **repeated)
    row = probe_row(step, samples.completions, rewards, samples_per_prompt, samples.entropy, samples.kl)
    return row, samples.completions


class PolicyProbeCallback(TrainerCallback):
    """Runs ``probe_policy`` on fixed prompts at step 0 and every ``every`` steps (and the last), scores the samples
    with ``reward_fn(completions, **reward_kwargs)`` and logs ``probe_row``. The probe seed is the same at every
    step, so the curves compare policies, not sampling noise."""

    def __init__(
        self,
        log: MetricsLog,
        reference: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        prompts: list[str],
        reward_fn: Callable[..., list[float]],
        reward_kwargs: dict[str, list],
        every: int,
        samples_per_prompt: int,
        max_new_tokens: int,
        seed: int,
    ):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.log, self.reference, self.tokenizer = log, reference.eval(), tokenizer
        self.prompts, self.reward_fn, self.reward_kwargs, self.every = prompts, reward_fn, reward_kwargs, every
        self.samples_per_prompt, self.max_new_tokens, self.seed = samples_per_prompt, max_new_tokens, seed
        self.last_completions: list[str] = []

    def measure(self, model: PreTrainedModel, step: int) -> dict:
        row, self.last_completions = measure_policy(
            model, self.reference, self.tokenizer, self.prompts, self.reward_fn, self.reward_kwargs,
            self.samples_per_prompt, self.max_new_tokens, self.seed, step,
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
