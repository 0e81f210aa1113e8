"""One run of the ADRPO flow sweep on a testbed: the shared online loop set up from a run id.

Every method draws the same pools (K samples of each RL prompt from the current policy, scored, their group
advantages computed once over whole groups) and is evaluated on the same fixed batch; the run id picks the
objective, learning rate, minibatch and noise draw (``replication.flow.adrpo_objectives.RECIPES``).
"""

from __future__ import annotations

from pathlib import Path

import torch

from replication.configs.adrpo_flow import GateConfig, RLConfig
from replication.configs.runtime import RuntimeConfig
from replication.eval.gates import gate_metrics
from replication.flow.adrpo_objectives import recipe
from replication.flow.online import online_finetune
from replication.flow.prompt_pool import PromptPoolSampler, evaluate
from replication.models.adrpo_flow_models import Testbed
from replication.pipeline.runlog import MetricsLog, write_metrics


def fine_tune(bed: Testbed, rl: RLConfig, run: str, generator: torch.Generator, log: MetricsLog,
              runtime: RuntimeConfig) -> dict[str, float]:
    """Fine-tune ``bed.setup.policy`` in place with the method and coefficient of ``run`` and the loop settings
    ``rl``; returns the last pool's metrics (the per-refresh rows go to ``log``)."""
    spec, value = recipe(run)
    setup = bed.setup
    draw_pool = PromptPoolSampler(setup.reference, setup.scorer, bed.prompts, bed.splits["train"], rl.prompts_per_pool,
                                  rl.samples_per_prompt, setup.shape, bed.sampling_steps, generator, runtime, setup.decode)
    return online_finetune(
        setup.policy, setup.reference, draw_pool, spec.objective(value, rl),
        steps=rl.steps, batch_size=rl.groups_per_batch * rl.samples_per_prompt, lr=spec.learning_rate(rl),
        warmup_steps=rl.warmup_steps, grad_clip=rl.grad_clip, refresh_every=rl.refresh_every,
        generator=generator, log=log, runtime=runtime, draw_minibatch=spec.draw_minibatch,
        draw_noise=spec.draw_noise,
    )


def evaluate_testbed(bed: Testbed, policy: torch.nn.Module, runtime: RuntimeConfig) -> dict[str, float]:
    """Reward, diversity and W2 of ``policy`` (against the testbed's reference) on the fixed evaluation batch of
    every split (``<split>_<metric>``): the same prompts and noise for every model."""
    batch = bed.evaluation
    policy.eval()
    return evaluate(policy, bed.setup.reference, bed.splits, bed.prompts, bed.setup.scorer, bed.setup.shape,
                    bed.sampling_steps, batch.prompts, batch.samples_per_prompt, batch.seed, runtime, bed.setup.decode)


def evaluation_size(bed: Testbed) -> int:
    """Samples per split in the final evaluation batch."""
    return bed.evaluation.prompts * bed.evaluation.samples_per_prompt


def measure_base_gate(bed: Testbed, gate: GateConfig, path: Path, runtime: RuntimeConfig) -> dict[str, float]:
    """The pre-trained model (the reference) on the evaluation batch, and the gate on its RL-prompt reward
    (``base_reward``, ``base_reward_min``, ``base_reward_max``, ``base_reward_passed``), written to ``path``."""
    metrics = evaluate_testbed(bed, bed.setup.reference, runtime)
    metrics.update(gate_metrics("base_reward", metrics["train_reward"], gate.min_reward, gate.max_reward))
    metrics["eval_samples"] = evaluation_size(bed)
    write_metrics(path, metrics)
    return metrics
