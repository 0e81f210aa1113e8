"""Where a GRPO step's time goes: CPU seconds of generation, reward, the rest of the rollout, and the loss.

``StepTimingMixin`` wraps four of TRL 1.16 ``GRPOTrainer``'s methods with a process CPU clock
(``time.process_time``: on a shared machine, wall time would count the other processes' turns too) and logs
one value per step into TRL's metrics, so they land in ``log_history`` beside the rewards:

    time/generation      ``_generate``: prompt tokenisation and audio features, ``generate()``, decoding
    time/reward          ``_calculate_rewards``: every reward function, zero-weight diagnostics included
    time/rollout         ``_generate_and_score_completions``: the two above, plus the reference model's
                         log-probabilities, advantages and bookkeeping
    time/training_step   ``training_step``: the rollout, then the loss's forward and backward passes

so the reference log-probabilities and bookkeeping are ``rollout - generation - reward`` and the loss is
``training_step - rollout`` (``split_step_time``). The optimizer step runs outside ``training_step`` and is not
counted. Compose before the trainer: ``class Timed(StepTimingMixin, AudioGRPOTrainer)``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

CLOCKS = ("generation", "reward", "rollout", "training_step")


class StepTimingMixin:
    @contextmanager
    def _clock(self, name: str):
        start = time.process_time()
        try:
            yield
        finally:
            mode = "train" if self.model.training else "eval"
            self._metrics[mode][f"time/{name}"].append(time.process_time() - start)

    def _generate(self, prompts):
        with self._clock("generation"):
            return super()._generate(prompts)

    def _calculate_rewards(self, *args, **kwargs):
        with self._clock("reward"):
            return super()._calculate_rewards(*args, **kwargs)

    def _generate_and_score_completions(self, inputs):
        with self._clock("rollout"):
            return super()._generate_and_score_completions(inputs)

    def training_step(self, *args, **kwargs):
        with self._clock("training_step"):
            return super().training_step(*args, **kwargs)


def split_step_time(generation: float, reward: float, rollout: float, training_step: float) -> dict[str, float]:
    """CPU seconds of one step by part: generation, reward, reference log-probs and bookkeeping, loss.

        reference = rollout - generation - reward,   loss = training_step - rollout

    >>> split_step_time(generation=1.0, reward=0.25, rollout=1.5, training_step=2.5)
    {'generation': 1.0, 'reward': 0.25, 'reference': 0.25, 'loss': 1.0}
    """
    return {"generation": generation, "reward": reward, "reference": rollout - generation - reward,
            "loss": training_step - rollout}
