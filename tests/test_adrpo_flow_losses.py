"""ADRPO flow-matching losses against hand computations (milliseconds each)."""

import math

import pytest
import torch

from replication.flow.adrpo_losses import (
    adrpo_fm_loss,
    best_worst_pairs,
    fixed_beta_awfm_loss,
    flow_dpo_loss,
    group_advantages,
)
from replication.flow.losses import per_sample_squared_error

# Two samples of two dimensions: per-sample errors are easy to do by hand.
V = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
U = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
REF = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
A = torch.tensor([0.5, -0.5])
# fm = [(1 + 0) / 2, (0 + 4) / 2] = [0.5, 2];  w2 = [(0 + 1) / 2, (0 + 4) / 2] = [0.5, 2]


def test_adrpo_loss_matches_hand_computation():
    # sample 0: 0.5 * 0.5 + (1 - 0.5) * 0.5 = 0.5;  sample 1: -0.5 * 2 + (1 + 0.5) * 2 = 2;  mean 1.25
    assert adrpo_fm_loss(V, U, REF, A, beta0=1.0).item() == pytest.approx(1.25)


def test_adrpo_gradient_matches_hand_computation():
    v = V.clone().requires_grad_(True)
    adrpo_fm_loss(v, U, REF, A, beta0=1.0).backward()
    # dL/dv_i = (1/B)(1/D) * 2 * [A_i (v_i - u_i) + (beta0 - A_i)(v_i - ref_i)]
    # sample 0: 0.5 * [0.5 (1, 0) + 0.5 (0, -1)] = (0.25, -0.25);  sample 1: 0.5 * [-0.5 (0, 2) + 1.5 (0, 2)] = (0, 1)
    assert torch.allclose(v.grad, torch.tensor([[0.25, -0.25], [0.0, 1.0]]))


def test_adrpo_gradient_matches_finite_differences():
    torch.manual_seed(0)
    v = torch.randn(3, 2, 2, 2, dtype=torch.float64, requires_grad=True)
    u, ref = torch.randn(3, 2, 2, 2, dtype=torch.float64), torch.randn(3, 2, 2, 2, dtype=torch.float64)
    adv = torch.tensor([0.7, -1.3, 0.2], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda x: adrpo_fm_loss(x, u, ref, adv, beta0=0.4), (v,))


def test_zero_advantage_reduces_to_beta0_times_w2():
    torch.manual_seed(1)
    v, u, ref = torch.randn(4, 3, 4, 4), torch.randn(4, 3, 4, 4), torch.randn(4, 3, 4, 4)
    w2 = per_sample_squared_error(v, ref).mean()
    assert torch.allclose(adrpo_fm_loss(v, u, ref, torch.zeros(4), beta0=0.3), 0.3 * w2)
    # the target u_t then plays no part at all
    assert torch.allclose(adrpo_fm_loss(v, u + 5.0, ref, torch.zeros(4), beta0=0.3), 0.3 * w2)


@pytest.mark.parametrize("advantage, moves_away", [(-0.5, True), (0.5, False)])
def test_sign_of_advantage_sets_direction_relative_to_target(advantage, moves_away):
    # v_ref = v, so the W2 term has no gradient here and only A * ||v - u||^2 acts
    u = torch.tensor([[0.0, 0.0]])
    v = torch.tensor([[1.0, -2.0]], requires_grad=True)
    adrpo_fm_loss(v, u, v.detach().clone(), torch.tensor([advantage]), beta0=1.0).backward()
    stepped = v.detach() - 0.1 * v.grad
    before, after = (v.detach() - u).norm(), (stepped - u).norm()
    assert (after > before) == moves_away


def test_adrpo_stays_bounded_where_beta_eff_is_negative():
    # A = 2 > beta0 = 0.5: beta_eff < 0, yet the per-sample curvature is beta0, so the minimiser is finite:
    # v* = (A u + (beta0 - A) ref) / beta0 = (2 * 1 - 1.5 * 0) / 0.5 = 4
    v = torch.zeros(1, 1, requires_grad=True)
    optimiser = torch.optim.SGD([v], lr=0.5)
    for _ in range(200):
        optimiser.zero_grad()
        adrpo_fm_loss(v, torch.ones(1, 1), torch.zeros(1, 1), torch.tensor([2.0]), beta0=0.5).backward()
        optimiser.step()
    assert v.item() == pytest.approx(4.0, abs=1e-4)


def test_adrpo_rejects_non_positive_beta0():
    with pytest.raises(ValueError, match="beta0 must be > 0"):
        adrpo_fm_loss(V, U, REF, A, beta0=0.0)


def test_advantages_carry_no_gradient():
    adv = A.clone().requires_grad_(True)
    adrpo_fm_loss(V.clone().requires_grad_(True), U, REF, adv, beta0=1.0).backward()
    assert adv.grad is None


def test_fixed_beta_baseline_matches_hand_computation():
    # sample 0: 0.5 * 0.5 + 1 * 0.5 = 0.75;  sample 1: -0.5 * 2 + 1 * 2 = 1;  mean 0.875
    assert fixed_beta_awfm_loss(V, U, REF, A, beta0=1.0).item() == pytest.approx(0.875)
    # equal to ADRPO when every advantage is 0
    zeros = torch.zeros(2)
    assert torch.allclose(fixed_beta_awfm_loss(V, U, REF, zeros, 0.7), adrpo_fm_loss(V, U, REF, zeros, 0.7))


def test_group_advantages_hand_case():
    rewards = torch.tensor([1.0, 2.0, 3.0, 10.0, 20.0, 4.0])
    groups = torch.tensor([7, 7, 7, 3, 3, 0])  # means: 2 (group 7), 15 (group 3), 4 (a group of one)
    expected = torch.tensor([-1.0, 0.0, 1.0, -5.0, 5.0, 0.0])
    assert torch.allclose(group_advantages(rewards, groups), expected)


def test_group_advantages_sum_to_zero_per_group_and_reject_bad_shapes():
    torch.manual_seed(2)
    rewards, groups = torch.rand(12), torch.arange(12) % 3
    adv = group_advantages(rewards, groups)
    for g in range(3):
        assert adv[groups == g].sum().abs() < 1e-6
    with pytest.raises(ValueError, match="equal-length"):
        group_advantages(rewards, groups[:5])


def test_best_worst_pairs():
    rewards = torch.tensor([0.1, 0.9, 0.5, 0.3, 0.3, 0.7, 0.2])
    groups = torch.tensor([1, 1, 1, 0, 0, 2, 2])
    winners, losers = best_worst_pairs(rewards, groups)
    # group 0 is a tie (no preference) and is skipped; group 1: best 1, worst 0; group 2: best 5, worst 6
    assert winners.tolist() == [1, 5] and losers.tolist() == [0, 6]


def test_flow_dpo_loss_hand_case():
    v, u, ref = torch.tensor([[1.0], [0.0]]), torch.zeros(2, 1), torch.zeros(2, 1)
    # D = theta_err - ref_err = [1, 0]; margin = D_w - D_l = 1; L = -log sigmoid(-1) = log(1 + e)
    loss = flow_dpo_loss(v, u, ref, torch.tensor([0]), torch.tensor([1]), beta=1.0)
    assert loss.item() == pytest.approx(math.log(1.0 + math.e))


def test_flow_dpo_gradient_pulls_winner_to_target_and_pushes_loser_away():
    u, ref = torch.zeros(2, 1), torch.zeros(2, 1)
    v = torch.tensor([[1.0], [0.5]], requires_grad=True)
    flow_dpo_loss(v, u, ref, torch.tensor([0]), torch.tensor([1]), beta=2.0).backward()
    # dL/dm = beta * sigmoid(beta * m), m = 1 - 0.25 = 0.75; dm/dv_w = 2 v_w = 2, dm/dv_l = -2 v_l = -1
    s = 2.0 * torch.sigmoid(torch.tensor(1.5))
    assert torch.allclose(v.grad, torch.stack([2.0 * s, -1.0 * s]).view(2, 1))
    # a descent step: the winner's error shrinks, the loser's grows
    stepped = v.detach() - 0.01 * v.grad
    assert stepped[0].abs() < 1.0 and stepped[1].abs() > 0.5


def test_flow_dpo_without_pairs_is_zero_and_differentiable():
    v = torch.ones(2, 1, requires_grad=True)
    loss = flow_dpo_loss(v, torch.zeros(2, 1), torch.zeros(2, 1), torch.empty(0, dtype=torch.long),
                         torch.empty(0, dtype=torch.long), beta=1.0)
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(v.grad, torch.zeros(2, 1))
