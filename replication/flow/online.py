"""The online fine-tuning loop shared by the flow-matching RL methods: only the objective changes.

Every ``refresh_every`` steps a fresh pool is sampled from the *current* policy and scored (the "online" of
ORW-CFM-W2); in between, minibatches of the pool are re-noised and the objective is applied at the same
(x_sigma, sigma, condition) for the policy and the frozen reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from accelerate.utils import broadcast_object_list

from replication.configs.runtime import RuntimeConfig
from replication.flow.pretrain import interpolate
from replication.pipeline.progress import progress
from replication.pipeline.runlog import MetricsLog
from replication.pipeline.runtime import autocast, make_accelerator


@dataclass
class Pool:
    x1: torch.Tensor  # (N, C, H, W) samples of the current policy
    condition: torch.Tensor  # (N, ...) what each sample was conditioned on (labels, prompt ids)
    rewards: torch.Tensor  # (N,)
    groups: torch.Tensor  # (N,) group (prompt) id of each sample, for group-relative advantages
    # (N,) group-relative advantages computed once over the whole pool (whole prompt groups), or None; when set,
    # the loop hands each minibatch's slice to the objective as ``advantages=``
    advantages: torch.Tensor | None = None


# objective(v_theta, u_t, v_ref, rewards, groups) -> scalar loss; given ``advantages=`` too when the pool has them
Objective = Callable[..., torch.Tensor]
# draw_pool(policy) -> (pool, metrics measured on it)
PoolSampler = Callable[[torch.nn.Module], tuple[Pool, dict[str, float]]]


# draw_minibatch(pool, batch_size, generator) -> indices into the pool
MinibatchSampler = Callable[[Pool, int, torch.Generator], torch.Tensor]


def uniform_minibatch(pool: Pool, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """``batch_size`` pool indices drawn uniformly with replacement (ORW-CFM-W2's minibatches)."""
    return torch.randint(len(pool.rewards), (batch_size,), generator=generator)


def whole_group_minibatch(pool: Pool, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """Every sample of ``batch_size // K`` groups drawn without replacement (K samples per group, at least one group).

    Group-relative objectives (ADRPO's A = R - mean of R over the prompt's samples in the batch, DPO's best and
    worst of a group) need each prompt's whole group in the batch; this is that batch.
    """
    groups, counts = torch.unique(pool.groups, return_counts=True)
    if not (counts == counts[0]).all():
        raise ValueError(f"whole_group_minibatch needs groups of equal size, got sizes {sorted(set(counts.tolist()))}")
    n_groups = min(len(groups), max(1, batch_size // int(counts[0])))
    chosen = groups[torch.randperm(len(groups), generator=generator)[:n_groups]]  # (n,)
    return torch.nonzero(torch.isin(pool.groups, chosen)).flatten()


# draw_noise(x1, groups, generator) -> (noise like x1, sigma (B,)): where each minibatch sample is noised
NoiseSampler = Callable[[torch.Tensor, torch.Tensor, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


def independent_noise(x1: torch.Tensor, groups: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Fresh noise and a uniform sigma for every sample (the loop's original draws, in their original order)."""
    return torch.randn(x1.shape, generator=generator), torch.rand(len(x1), generator=generator)


def group_shared_noise(x1: torch.Tensor, groups: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One noise and one sigma per group of the minibatch, shared by its samples.

    Diffusion-DPO (Wallace et al. 2023, eq. 14) noises the preferred and the rejected image of a pair with the same
    noise at the same t, so that their error difference compares the images and not two noise draws; with the
    pair as the group this is that draw. ``groups``: (B,) on the CPU or any device; the draws are on the CPU.
    """
    _, index = torch.unique(groups.cpu(), return_inverse=True)  # (B,) dense group index
    n_groups = int(index.max()) + 1
    noise = torch.randn((n_groups, *x1.shape[1:]), generator=generator)[index]  # (B, C, H, W)
    sigma = torch.rand(n_groups, generator=generator)[index]  # (B,)
    return noise, sigma


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
    runtime: RuntimeConfig,
    draw_minibatch: MinibatchSampler = uniform_minibatch,
    draw_noise: NoiseSampler = independent_noise,
) -> dict[str, float]:
    """Fine-tune ``policy`` in place; log the pool's metrics at every refresh and return the final ones.

    ``draw_pool`` returns its pool on the runtime's device; random numbers come from the CPU ``generator``.
    ``draw_minibatch`` picks each step's samples from the pool (``whole_group_minibatch`` for group-relative
    objectives); the batch's size is whatever it returns. ``draw_noise`` noises it (``group_shared_noise``: one
    noise per group, as Diffusion-DPO noises a pair).
    """
    accelerator = make_accelerator(runtime, generator)
    device = accelerator.device
    reference.to(device).eval().requires_grad_(False)
    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
    schedule = warmup_schedule(optimizer, warmup_steps)
    policy, optimizer = accelerator.prepare(policy.to(device), optimizer)  # DDP under accelerate launch
    losses: list[float] = []
    for step in progress(range(steps + 1), desc="online fine-tuning"):
        if step % refresh_every == 0 or step == steps:
            policy.eval()
            pool, metrics = draw_pool(policy)
            # the loss column is the mean over the steps since the last refresh (empty at step 0)
            if accelerator.is_main_process:
                log.log(step=step, loss=sum(losses) / len(losses) if losses else None, **metrics)
            losses.clear()
            if step == steps:
                # every process returns (and its notebook writes) the main process's final metrics
                return broadcast_object_list([metrics], from_process=0)[0] if accelerator.num_processes > 1 else metrics
            policy.train()
        index = draw_minibatch(pool, batch_size, generator).to(device)
        x1, condition = pool.x1[index], pool.condition[index]
        noise, sigma = draw_noise(x1, pool.groups[index], generator)
        x_sigma, u_t = interpolate(x1, noise.to(device), sigma.to(device))
        with autocast(runtime):
            v_theta = policy(x_sigma, sigma, condition)
            with torch.no_grad():
                v_ref = reference(x_sigma, sigma, condition)
        extra = {} if pool.advantages is None else {"advantages": pool.advantages[index]}
        loss = objective(v_theta.float(), u_t, v_ref.float(), pool.rewards[index], pool.groups[index], **extra)
        optimizer.zero_grad()
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(policy.parameters(), grad_clip)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    raise AssertionError("unreachable: the loop returns at step == steps")
