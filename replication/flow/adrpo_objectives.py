"""The ADRPO experiment's objectives in the online loop's signature ``objective(v_theta, u_t, v_ref, rewards, groups)``.

One small class per method, each a thin adapter from the pure losses in ``adrpo_losses.py`` (ORW-CFM-W2's adapter,
``ORWObjective``, is in ``objectives.py``). Group-relative quantities are computed on the minibatch, which the
loop draws as whole prompt groups (``whole_group_minibatch``), so they equal the pool's.
"""

from __future__ import annotations

import torch

from replication.flow.adrpo_losses import (
    adrpo_fm_loss,
    best_worst_pairs,
    fixed_beta_awfm_loss,
    flow_dpo_loss,
    group_advantages,
)
from replication.flow.objectives import ORWObjective

METHODS = ("adrpo", "fixed_beta", "orw", "dpo")


class ADRPOObjective:
    """ADRPO: A = R - group mean, L = mean[A fm + (beta0 - A) w2]."""

    def __init__(self, beta0: float):
        if beta0 <= 0:
            raise ValueError(f"ADRPO needs beta0 > 0, got {beta0}")
        self.beta0 = beta0

    def __call__(self, v_theta, u_t, v_ref, rewards, groups) -> torch.Tensor:
        return adrpo_fm_loss(v_theta, u_t, v_ref, group_advantages(rewards, groups), self.beta0)


class FixedBetaObjective:
    """The ablation: the same advantage-weighted flow matching with beta0 for every sample."""

    def __init__(self, beta0: float):
        if beta0 <= 0:
            raise ValueError(f"the fixed-beta baseline needs beta0 > 0, got {beta0}")
        self.beta0 = beta0

    def __call__(self, v_theta, u_t, v_ref, rewards, groups) -> torch.Tensor:
        return fixed_beta_awfm_loss(v_theta, u_t, v_ref, group_advantages(rewards, groups), self.beta0)


class FlowDPOObjective:
    """Diffusion-DPO for flow matching on the best and worst sample of each prompt group in the batch."""

    def __init__(self, beta: float):
        if beta <= 0:
            raise ValueError(f"DPO needs beta > 0, got {beta}")
        self.beta = beta

    def __call__(self, v_theta, u_t, v_ref, rewards, groups) -> torch.Tensor:
        winners, losers = best_worst_pairs(rewards, groups)
        return flow_dpo_loss(v_theta, u_t, v_ref, winners, losers, self.beta)


def make_objective(method: str, value: float, tau: float):
    """The objective of ``method`` with its swept coefficient ``value`` (beta0, alpha or DPO's beta)."""
    if method == "adrpo":
        return ADRPOObjective(beta0=value)
    if method == "fixed_beta":
        return FixedBetaObjective(beta0=value)
    if method == "orw":
        return ORWObjective(alpha=value, tau=tau)
    if method == "dpo":
        return FlowDPOObjective(beta=value)
    raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
