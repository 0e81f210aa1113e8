"""The online fine-tuning loop shared by the flow-matching RL methods: only the objective changes.

Every ``refresh_every`` steps a fresh pool is sampled from the *current* policy and scored (the "online" of
ORW-CFM-W2); in between, minibatches of the pool are re-noised and the objective is applied at the same
(x_sigma, sigma, condition) for the policy and the frozen reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from tqdm.auto import tqdm

from replication.flow.pretrain import interpolate
from replication.pipeline.runlog import MetricsLog


@dataclass
class Pool:
    x1: torch.Tensor  # (N, C, H, W) samples of the current policy
    condition: torch.Tensor  # (N, ...) what each sample was conditioned on (labels, prompt ids)
    rewards: torch.Tensor  # (N,)
    groups: torch.Tensor  # (N,) group (prompt) id of each sample, for group-relative advantages


# objective(v_theta, u_t, v_ref, rewards, groups) -> scalar loss
Objective = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
# draw_pool(policy) -> (pool, metrics measured on it)
PoolSampler = Callable[[torch.nn.Module], tuple[Pool, dict[str, float]]]


def warmup_schedule(optimizer: torch.optim.Optimizer, warmup_steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up to the base learning rate, then constant (the released ORW-CFM-W2 settings)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / max(1, warmup_steps)))


def online_finetune(
    policy: torch.nn.Module,
    reference: torch.nn.Module,
    draw_pool: PoolSampler,
    objective: Objective,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    warmup_steps: int,
    grad_clip: float,
    refresh_every: int,
    generator: torch.Generator,
    log: MetricsLog,
) -> dict[str, float]:
    """Fine-tune ``policy`` in place; log the pool's metrics at every refresh and return the final ones."""
    reference.eval().requires_grad_(False)
    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
    schedule = warmup_schedule(optimizer, warmup_steps)
    losses: list[float] = []
    for step in tqdm(range(steps + 1), desc="online fine-tuning"):
        if step % refresh_every == 0 or step == steps:
            policy.eval()
            pool, metrics = draw_pool(policy)
            # the loss column is the mean over the steps since the last refresh (empty at step 0)
            log.log(step=step, loss=sum(losses) / len(losses) if losses else None, **metrics)
            losses.clear()
            if step == steps:
                return metrics
            policy.train()
        index = torch.randint(len(pool.rewards), (batch_size,), generator=generator)
        x1, condition = pool.x1[index], pool.condition[index]
        noise = torch.randn(x1.shape, generator=generator)
        sigma = torch.rand(batch_size, generator=generator)
        x_sigma, u_t = interpolate(x1, noise, sigma)
        v_theta = policy(x_sigma, sigma, condition)
        with torch.no_grad():
            v_ref = reference(x_sigma, sigma, condition)
        loss = objective(v_theta, u_t, v_ref, pool.rewards[index], pool.groups[index])
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), grad_clip)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    raise AssertionError("unreachable: the loop returns at step == steps")
