"""Euler ODE sampling of a flow model with diffusers' ``FlowMatchEulerDiscreteScheduler``, optionally scoring the
policy against a reference model along its own trajectory (the W2 proxy of ORW-CFM-W2 and ADRPO)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from diffusers import FlowMatchEulerDiscreteScheduler

from replication.flow.losses import per_sample_squared_error

# velocity(x_sigma, sigma) -> v, with the conditioning already bound (labels, prompt embeddings, ...)
Velocity = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class Samples:
    images: torch.Tensor  # (B, C, H, W), the ODE's end point at sigma = 0
    w2: torch.Tensor | None  # (B,): mean over steps of mean_{non-batch} (v_theta - v_ref)^2, when a reference is given


def w2_along_trajectory(step_errors: list[torch.Tensor]) -> torch.Tensor:
    """W2 proxy: W2_b = (1 / S) * sum_s mean_{non-batch} (v_theta(x_s) - v_ref(x_s))^2 over the S Euler steps."""
    return torch.stack(step_errors).mean(dim=0)  # (S, B) -> (B,)


@torch.no_grad()
def sample_euler(
    velocity: Velocity, noise: torch.Tensor, num_steps: int, reference: Velocity | None = None
) -> Samples:
    """Integrate dx/dsigma = v from sigma = 1 (noise) to 0 in ``num_steps`` Euler steps (SD3's sampler, shift 1)."""
    scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=1.0)
    scheduler.set_timesteps(num_steps, device=noise.device)
    x = noise
    step_errors = []
    for timestep in scheduler.timesteps:
        sigma = (timestep / 1000.0).expand(x.shape[0]).to(x.dtype)  # (B,)
        v = velocity(x, sigma)
        if reference is not None:
            step_errors.append(per_sample_squared_error(v.float(), reference(x, sigma).float()))
        x = scheduler.step(v, timestep, x, return_dict=False)[0]
    return Samples(images=x, w2=w2_along_trajectory(step_errors) if reference is not None else None)
