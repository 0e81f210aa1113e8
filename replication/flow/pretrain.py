"""Base-model training: rectified flow / conditional flow matching on real data (SD3's recipe, small)."""

from __future__ import annotations

import torch
from diffusers.training_utils import compute_density_for_timestep_sampling

from replication.configs.runtime import RuntimeConfig
from replication.flow.losses import flow_matching_loss
from replication.models.class_flow import ClassConditionedFlow
from replication.pipeline.progress import progress
from replication.pipeline.runlog import MetricsLog
from replication.pipeline.runtime import autocast, make_accelerator


def interpolate(x1: torch.Tensor, noise: torch.Tensor, sigma: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The straight path and its velocity (diffusers' SD3 training scripts):

        x_sigma = (1 - sigma) * x1 + sigma * noise,   u = d x_sigma / d sigma = noise - x1
    """
    s = sigma.view(-1, *([1] * (x1.dim() - 1)))  # (B, 1, 1, 1)
    return (1.0 - s) * x1 + s * noise, noise - x1


def draw_sigmas(batch_size: int, scheme: str, generator: torch.Generator) -> torch.Tensor:
    """Training noise levels: uniform, or SD3's logit-normal (mean 0, std 1) through diffusers' helper."""
    return compute_density_for_timestep_sampling(
        weighting_scheme=scheme, batch_size=batch_size, logit_mean=0.0, logit_std=1.0, generator=generator
    )


def drop_conditions(
    conditions: torch.Tensor, probability: float, null_condition: int, generator: torch.Generator
) -> torch.Tensor:
    """Condition dropout (classifier-free guidance training, Ho & Salimans 2022): each condition is replaced by
    ``null_condition`` with ``probability``, so that one model learns p(x | c) and p(x) together. (B,) -> (B,)."""
    dropped = torch.rand(conditions.shape[0], generator=generator) < probability  # (B,), on the CPU generator
    return torch.where(dropped.to(conditions.device), torch.full_like(conditions, null_condition), conditions)


def train_base_flow(
    model: ClassConditionedFlow,
    images: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    batch_size: int,
    lr: float,
    timestep_sampling: str,
    generator: torch.Generator,
    log: MetricsLog,
    runtime: RuntimeConfig,
    log_every: int = 10,
    condition_dropout: float = 0.0,
    null_condition: int | None = None,
) -> ClassConditionedFlow:
    """Flow matching on (images, labels); with ``condition_dropout`` > 0 a share of each batch's labels becomes
    ``null_condition`` (see ``drop_conditions``). At 0 (the default) no extra random numbers are drawn."""
    if condition_dropout > 0 and null_condition is None:
        raise ValueError("condition_dropout > 0 needs the null_condition that replaces a dropped label")
    accelerator = make_accelerator(runtime, generator)
    device = accelerator.device
    images, labels = images.to(device), labels.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    model, optimizer = accelerator.prepare(model.to(device), optimizer)  # DDP under accelerate launch
    model.train()
    running = 0.0
    for step in progress(range(1, steps + 1), desc="base flow"):
        index = torch.randint(len(labels), (batch_size,), generator=generator).to(device)
        x1 = images[index]
        noise = torch.randn(x1.shape, generator=generator).to(device)
        sigma = draw_sigmas(batch_size, timestep_sampling, generator).to(device)
        condition = labels[index]
        if condition_dropout > 0:
            condition = drop_conditions(condition, condition_dropout, null_condition, generator)
        x_sigma, u = interpolate(x1, noise, sigma)
        with autocast(runtime):
            v_theta = model(x_sigma, sigma, condition)
        loss = flow_matching_loss(v_theta.float(), u)
        optimizer.zero_grad()
        accelerator.backward(loss)
        optimizer.step()
        schedule.step()
        running += loss.item()
        if step % log_every == 0 or step == steps:
            if accelerator.is_main_process:
                log.log(step=step, loss=running / (log_every if step % log_every == 0 else step % log_every))
            running = 0.0
    return accelerator.unwrap_model(model).eval()
