"""What alpha does in ORW-CFM-W2: the per-sample optimum v* of the loss, and the pull and equivalence built on it."""

import math

import pytest
import torch

from replication.flow.losses import orw_cfm_w2_loss
from replication.flow.orw_pull import equivalent_alpha, orw_optimal_velocity, pull_fraction


def random_batch(seed):
    g = torch.Generator().manual_seed(seed)
    u, ref = torch.randn(5, 1, 3, 3, generator=g), torch.randn(5, 1, 3, 3, generator=g)
    return u, ref, torch.rand(5, generator=g)


@pytest.mark.parametrize(("alpha", "tau"), [(0.0, 3.0), (0.3, 0.5), (3.65, 3.0), (30.0, 3.0)])
def test_the_loss_gradient_vanishes_at_v_star(alpha, tau):
    u, ref, rewards = random_batch(0)
    v_star = orw_optimal_velocity(u, ref, torch.exp(tau * rewards), alpha).requires_grad_(True)
    orw_cfm_w2_loss(v_star, u, ref, rewards, alpha=alpha, tau=tau).backward()
    assert v_star.grad.abs().max().item() < 1e-6


def test_gradient_descent_on_the_loss_converges_to_v_star():
    # the loss is minimised numerically from a random start, never told the formula
    u, ref, rewards = random_batch(1)
    alpha, tau = 0.8, 0.5
    v = torch.randn(u.shape, generator=torch.Generator().manual_seed(2), requires_grad=True)
    optimizer = torch.optim.LBFGS([v], max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-14)

    def closure():
        optimizer.zero_grad()
        loss = orw_cfm_w2_loss(v, u, ref, rewards, alpha=alpha, tau=tau)
        loss.backward()
        return loss

    optimizer.step(closure)
    torch.testing.assert_close(v.detach(), orw_optimal_velocity(u, ref, torch.exp(tau * rewards), alpha),
                               atol=1e-5, rtol=1e-5)


def test_v_star_lies_on_the_segment_from_u_to_v_ref_at_the_pull_fraction():
    u, ref = torch.zeros(1, 4), torch.ones(1, 4)
    alpha, tau, r = 0.3, 0.5, 1.0
    v_star = orw_optimal_velocity(u, ref, torch.tensor([math.exp(tau * r)]), alpha)
    torch.testing.assert_close(v_star, torch.full((1, 4), pull_fraction(alpha, tau, r)))


def test_pull_fraction_by_hand():
    # the numbers: tau = 3, r = 0.95 -> w = exp(2.85) = 17.29; alpha 0.3 -> 1.7%, 0.8 -> 4.4%
    assert pull_fraction(0.3, 3.0, 0.95) == pytest.approx(0.3 / (math.exp(2.85) + 0.3))
    assert round(pull_fraction(0.3, 3.0, 0.95), 3) == 0.017 and round(pull_fraction(0.8, 3.0, 0.95), 3) == 0.044
    # the paper's tau = 0.5 at r = 0.95: w = 1.608 -> 15.7% and 33.2%
    assert round(pull_fraction(0.3, 0.5, 0.95), 3) == 0.157 and round(pull_fraction(0.8, 0.5, 0.95), 3) == 0.332
    assert pull_fraction(0.0, 3.0, 0.5) == 0.0


def test_equivalent_alpha_keeps_the_pull_and_inverts():
    alpha = equivalent_alpha(0.3, tau=0.5, to_tau=3.0, reward=1.0)
    assert alpha == pytest.approx(0.3 * math.exp(2.5))  # 3.655
    assert pull_fraction(alpha, 3.0, 1.0) == pytest.approx(pull_fraction(0.3, 0.5, 1.0))
    assert equivalent_alpha(alpha, tau=3.0, to_tau=0.5, reward=1.0) == pytest.approx(0.3)


def test_scaling_the_whole_loss_leaves_v_star_unchanged():
    # why the equivalence holds for Adam: weights c * w with alpha c * alpha have the same optimum
    u, ref, rewards = random_batch(3)
    w = torch.exp(3.0 * rewards)
    torch.testing.assert_close(orw_optimal_velocity(u, ref, w, 2.0), orw_optimal_velocity(u, ref, 7.0 * w, 14.0))
