"""Losses of the ADRPO flow-matching experiment: ADRPO, its fixed-beta baseline and Diffusion-DPO for flow matching.

All losses take velocities at the same noised point ``(x_t, t, c)``, following diffusers' flow-matching convention
(``x_t = (1 - t) x_1 + t * noise``, target ``u_t = noise - x_1``). A per-sample squared error is the mean over
every non-batch dimension; the loss is the batch mean of the per-sample terms. ORW-CFM-W2
(``orw_cfm_w2_loss``) and the plain ``flow_matching_loss`` live beside these in ``replication.flow.losses``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from replication.flow.losses import per_sample_squared_error


def group_advantages(rewards: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """A_i = R_i - mean{R_j : g_j = g_i}: each reward minus the mean reward of its prompt's group in the batch.

    ADRPO (arXiv 2510.18053), flow-matching advantage: ``A(x1, c) = R(x1, c) - mean of R over the samples of the
    same prompt c in the batch``. No division by the group's standard deviation (the paper does not normalise it
    for flow matching, and beta_eff = beta0 - A keeps A on the reward's own scale). A group of one sample gets 0.

    ``rewards``: (B,) float; ``groups``: (B,) integer prompt ids. Returns (B,).
    """
    if rewards.shape != groups.shape or rewards.dim() != 1:
        raise ValueError(f"rewards and groups must be equal-length 1-D tensors, got {tuple(rewards.shape)} "
                         f"and {tuple(groups.shape)}")
    _, index = torch.unique(groups, return_inverse=True)  # (B,) dense group index
    n_groups = int(index.max()) + 1
    sums = torch.zeros(n_groups, dtype=rewards.dtype, device=rewards.device).index_add(0, index, rewards)  # (G,)
    counts = torch.bincount(index, minlength=n_groups).to(rewards.dtype)  # (G,)
    return rewards - (sums / counts)[index]  # (B,)


def adrpo_fm_loss(
    v_theta: torch.Tensor, u_t: torch.Tensor, v_ref: torch.Tensor, advantages: torch.Tensor, beta0: float
) -> torch.Tensor:
    """ADRPO for flow matching: advantage-weighted flow matching plus an advantage-adaptive W2 regulariser.

        L = mean_i [ A_i * ||v_theta(x_t, t, c) - u_t||^2 + (beta0 - A_i) * ||v_theta(x_t, t, c) - v_ref(x_t, t, c)||^2 ]

    ADRPO (Fan et al., NeurIPS 2025, arXiv 2510.18053): ``beta_eff = beta0 - A``, so a sample better than its prompt's
    average is regularised less and a worse one more. With A_i < 0 the first term pushes v_theta away from u_t,
    i.e. away from the bad sample. Per sample the loss is quadratic in v_theta with total curvature
    A_i + (beta0 - A_i) = beta0, so it stays bounded below for beta0 > 0 even where beta0 - A_i < 0.
    The advantages are constants (no gradient flows into them); v_ref comes from the frozen reference.

    Shapes: v_theta, u_t, v_ref (B, C, H, W) (any trailing dims); advantages (B,).
    """
    if beta0 <= 0:
        raise ValueError(f"beta0 must be > 0 (the per-sample curvature; 0 leaves the loss unbounded), got {beta0}")
    advantages = advantages.detach()
    fm = per_sample_squared_error(v_theta, u_t)  # (B,)
    w2 = per_sample_squared_error(v_theta, v_ref.detach())  # (B,)
    return (advantages * fm + (beta0 - advantages) * w2).mean()


def fixed_beta_awfm_loss(
    v_theta: torch.Tensor, u_t: torch.Tensor, v_ref: torch.Tensor, advantages: torch.Tensor, beta0: float
) -> torch.Tensor:
    """The fixed-coefficient baseline: advantage-weighted flow matching with the same W2 strength for every sample.

        L = mean_i [ A_i * ||v_theta - u_t||^2 + beta0 * ||v_theta - v_ref||^2 ]

    It is ADRPO with beta_eff = beta0 instead of beta0 - A_i: the ablation that isolates the adaptive coefficient.
    Unlike ADRPO its per-sample curvature is A_i + beta0, so a sample with A_i < -beta0 makes the loss unbounded
    below in v_theta (the instability ADRPO's constant curvature removes); gradient clipping and few steps keep it
    finite in practice, and the experiment reports it as measured.
    """
    if beta0 <= 0:
        raise ValueError(f"beta0 must be > 0, got {beta0}")
    advantages = advantages.detach()
    fm = per_sample_squared_error(v_theta, u_t)  # (B,)
    w2 = per_sample_squared_error(v_theta, v_ref.detach())  # (B,)
    return (advantages * fm + beta0 * w2).mean()


def best_worst_pairs(rewards: torch.Tensor, groups: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (winner, loser) of the highest- and lowest-reward sample of every group with two or more samples.

    Groups are returned in ascending id order; ties go to the first index (torch.argmax/argmin order). A group
    whose best and worst rewards are equal carries no preference and is skipped.
    """
    winners, losers = [], []
    for g in torch.unique(groups):  # sorted ids
        members = torch.nonzero(groups == g).flatten()  # (K,)
        if members.numel() < 2:
            continue
        r = rewards[members]
        if r.max() == r.min():
            continue
        winners.append(members[torch.argmax(r)])
        losers.append(members[torch.argmin(r)])
    if not winners:
        return torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long)
    return torch.stack(winners), torch.stack(losers)


def flow_dpo_loss(
    v_theta: torch.Tensor,
    u_t: torch.Tensor,
    v_ref: torch.Tensor,
    winners: torch.Tensor,
    losers: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Diffusion-DPO (Wallace et al., 2023, arXiv 2311.12908, eq. 14) with the flow-matching error in place of eps.

        D_i = ||v_theta(x_t^i) - u_t^i||^2 - ||v_ref(x_t^i) - u_t^i||^2        (per sample, mean over non-batch dims)
        L   = - mean_pairs log sigmoid( -beta * (D_w - D_l) )

    Diffusion-DPO's denoising-error difference ||eps - eps_theta||^2 - ||eps - eps_ref||^2 is an estimate of the
    log-likelihood ratio log p_theta/p_ref up to sign and weighting; the flow-matching error plays the same role for a
    rectified-flow model (as in diffusers' SD3 DPO examples and Flow-DPO, Liu et al. 2025, arXiv 2501.13918).
    Diffusion-DPO's constant T * omega(lambda_t) / 2 is folded into ``beta``. The winner is the best and the loser
    the worst sample of a prompt's group (``best_worst_pairs``); the loss is 0 when there is no pair.
    (The original draws one noise and one t per pair; here each sample has its own, which the unbiased estimator
    allows at a little more variance, so that every method shares one training loop.)

    Shapes: v_theta, u_t, v_ref (B, ...); winners, losers (P,) indices into the batch.
    """
    if beta <= 0:
        raise ValueError(f"DPO beta must be > 0, got {beta}")
    if winners.shape != losers.shape:
        raise ValueError(f"winners and losers must have the same shape, got {tuple(winners.shape)} and {tuple(losers.shape)}")
    if winners.numel() == 0:
        return v_theta.sum() * 0.0  # keeps the graph so backward() works on a batch without a preference
    theta_err = per_sample_squared_error(v_theta, u_t)  # (B,)
    ref_err = per_sample_squared_error(v_ref.detach(), u_t)  # (B,)
    diff = theta_err - ref_err  # (B,)  estimates -log p_theta/p_ref, up to weighting
    margin = diff[winners] - diff[losers]  # (P,)
    return -F.logsigmoid(-beta * margin).mean()
