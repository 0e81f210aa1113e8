"""What alpha means in ORW-CFM-W2: the per-sample optimum of its loss and the pull towards the reference.

For one sample at one (x_sigma, sigma, c) the loss ``w * (v - u)^2 + alpha * (v - v_ref)^2`` (``orw_cfm_w2_loss``) is
a quadratic in v whose minimum lies at

    v* = (w u + alpha v_ref) / (w + alpha),     w = exp(tau r)

so alpha moves the target from the flow-matching velocity u towards the reference's velocity by the fraction
``pull = alpha / (w + alpha)``. The reward weight is unnormalised, so its scale sets what a given alpha does: at
tau = 3 and r = 0.95 (w = 17) alpha = 0.3 pulls 1.7% of the way, at the released tau = 0.5 (w = 1.6) 16%.

Equivalence of settings: Adam's step does not change when the whole loss is multiplied by a constant, so at a
reward r shared by the batch, (tau, alpha) and (tau', alpha') give the same update when
``alpha' / exp(tau' r) = alpha / exp(tau r)``: ``equivalent_alpha``. What tau changes beyond that is the tilt,
the ratio ``exp(tau (r_i - r_j))`` between two samples' weights, i.e. how hard one refresh favours the better one.
"""

from __future__ import annotations

import math

import torch

PAPER_TAU = 0.5  # the temperature of ORW-CFM-W2's released code (PAPERS.md section 3)


def orw_optimal_velocity(u_t: torch.Tensor, v_ref: torch.Tensor, weights: torch.Tensor, alpha: float) -> torch.Tensor:
    """v*_b = (w_b u_b + alpha v_ref_b) / (w_b + alpha): the minimiser of the ORW-CFM-W2 loss for each sample.

    u_t, v_ref: (B, ...); weights: (B,), w = exp(tau r). Needs w + alpha > 0 (always so for alpha >= 0).
    """
    w = weights.view(-1, *([1] * (u_t.dim() - 1)))  # (B, 1, ...)
    return (w * u_t + alpha * v_ref) / (w + alpha)


def pull_fraction(alpha: float, tau: float, reward: float) -> float:
    """alpha / (exp(tau r) + alpha): how far v* lies from u towards v_ref, 0 (no pull) to 1 (the reference)."""
    return alpha / (math.exp(tau * reward) + alpha)


def equivalent_alpha(alpha: float, tau: float, to_tau: float, reward: float) -> float:
    """The alpha that pulls at temperature ``to_tau`` as ``alpha`` does at ``tau``, at reward r:

        alpha' = alpha * exp((tau' - tau) r)      (so that pull_fraction(alpha', tau', r) == pull_fraction(alpha, tau, r))
    """
    return alpha * math.exp((to_tau - tau) * reward)
