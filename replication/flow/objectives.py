"""Adapters from the pure losses in ``losses.py`` to the online loop's objective signature
``objective(v_theta, u_t, v_ref, rewards, groups) -> loss``: one small class per method."""

from __future__ import annotations

import torch

from replication.flow.losses import orw_cfm_w2_loss


class ORWObjective:
    """ORW-CFM-W2 with fixed alpha and tau; group ids are not used (no group-relative advantage)."""

    def __init__(self, alpha: float, tau: float):
        if alpha < 0 or tau < 0:
            raise ValueError(f"ORW-CFM-W2 needs alpha >= 0 and tau >= 0, got alpha={alpha}, tau={tau}")
        self.alpha, self.tau = alpha, tau

    def __call__(self, v_theta, u_t, v_ref, rewards, groups) -> torch.Tensor:
        return orw_cfm_w2_loss(v_theta, u_t, v_ref, rewards, alpha=self.alpha, tau=self.tau)
