"""Flow-matching losses, one paper equation per function.

Convention (diffusers, SD3): x_sigma = (1 - sigma) * x1 + sigma * noise, target velocity u = noise - x1.
ORW-CFM-W2 writes the interpolation the other way round (t = 1 - sigma, u = x1 - x0); the squared errors below are
the same under that change of variables.
"""

from __future__ import annotations

import torch


def per_sample_squared_error(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """mean over the non-batch dimensions of (a - b)^2: (B, ...) x (B, ...) -> (B,)."""
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}")
    return (a - b).pow(2).flatten(1).mean(dim=1)


def flow_matching_loss(v_theta: torch.Tensor, u_t: torch.Tensor) -> torch.Tensor:
    """Conditional flow matching (Lipman et al. 2023; rectified flow, Liu et al. 2023):

        L_CFM = E_{x1, noise, sigma} || v_theta(x_sigma, sigma) - u ||^2,   u = noise - x1
    """
    return per_sample_squared_error(v_theta, u_t).mean()


def orw_cfm_w2_loss(
    v_theta: torch.Tensor,
    u_t: torch.Tensor,
    v_ref: torch.Tensor,
    rewards: torch.Tensor,
    alpha: float,
    tau: float,
) -> torch.Tensor:
    """Online reward-weighted CFM with W2 regularisation (ORW-CFM-W2, Fan et al., ICLR 2025, arXiv 2502.06061):

        L = mean_b [ w(x1_b) * fm_b + alpha * w2_b ]
        fm_b = mean_{non-batch} (v_theta - u_t)^2      w2_b = mean_{non-batch} (v_theta - v_ref)^2
        w(x1) = exp(tau * r(x1))                      (unnormalised, as in the released code)

    v_theta, u_t, v_ref: (B, C, H, W) at the same (x_sigma, sigma, c); rewards: (B,). The reference and the
    rewards are constants of the step, so they are detached here.
    """
    fm = per_sample_squared_error(v_theta, u_t)  # (B,)
    w2 = per_sample_squared_error(v_theta, v_ref.detach())  # (B,)
    weights = torch.exp(tau * rewards.detach())  # (B,)
    return (weights * fm + alpha * w2).mean()
