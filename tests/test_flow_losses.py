"""ORW-CFM-W2 and CFM losses against hand computations, and their gradients."""

import math

import pytest
import torch

from replication.flow.losses import flow_matching_loss, orw_cfm_w2_loss, per_sample_squared_error


def test_per_sample_squared_error_by_hand():
    a = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    b = torch.tensor([[0.0, 0.0], [3.0, 1.0]])
    # sample 0: (1 + 4) / 2 ; sample 1: (9 + 1) / 2
    assert per_sample_squared_error(a, b).tolist() == [2.5, 5.0]


def test_per_sample_squared_error_means_over_every_non_batch_dim():
    a = torch.zeros(2, 3, 2, 2)
    b = torch.ones(2, 3, 2, 2) * torch.tensor([1.0, 2.0]).view(2, 1, 1, 1)
    assert torch.allclose(per_sample_squared_error(a, b), torch.tensor([1.0, 4.0]))


def test_per_sample_squared_error_refuses_shape_mismatch():
    with pytest.raises(ValueError, match="shapes differ"):
        per_sample_squared_error(torch.zeros(2, 3), torch.zeros(2, 4))


def test_orw_loss_matches_hand_computation_on_two_samples():
    v = torch.tensor([[1.0, 1.0], [2.0, 0.0]])
    u = torch.tensor([[0.0, 1.0], [0.0, 0.0]])
    ref = torch.tensor([[1.0, 3.0], [2.0, 2.0]])
    rewards = torch.tensor([0.0, 1.0])
    alpha, tau = 0.3, 0.5
    fm = [0.5, 2.0]  # mean of (v-u)^2 per sample
    w2 = [2.0, 2.0]  # mean of (v-ref)^2 per sample
    weights = [1.0, math.exp(0.5)]
    expected = sum(w * f + alpha * d for w, f, d in zip(weights, fm, w2)) / 2
    assert orw_cfm_w2_loss(v, u, ref, rewards, alpha, tau).item() == pytest.approx(expected, rel=1e-6)


def test_orw_loss_on_random_images_equals_explicit_formula():
    g = torch.Generator().manual_seed(0)
    v, u, ref = (torch.randn(4, 1, 3, 3, generator=g) for _ in range(3))
    rewards = torch.rand(4, generator=g)
    alpha, tau = 0.8, 2.0
    explicit = sum(
        math.exp(tau * rewards[b].item()) * ((v[b] - u[b]) ** 2).mean().item()
        + alpha * ((v[b] - ref[b]) ** 2).mean().item()
        for b in range(4)
    ) / 4
    assert orw_cfm_w2_loss(v, u, ref, rewards, alpha, tau).item() == pytest.approx(explicit, rel=1e-5)


def test_orw_gradient_matches_analytic_form():
    # dL/dv_b = (2 / (B * D)) * [ w_b (v_b - u_b) + alpha (v_b - ref_b) ]
    g = torch.Generator().manual_seed(1)
    v = torch.randn(3, 2, 2, generator=g, requires_grad=True)
    u, ref = torch.randn(3, 2, 2, generator=g), torch.randn(3, 2, 2, generator=g)
    rewards = torch.tensor([0.1, 0.5, 0.9])
    alpha, tau = 0.3, 1.5
    orw_cfm_w2_loss(v, u, ref, rewards, alpha, tau).backward()
    weights = torch.exp(tau * rewards).view(3, 1, 1)
    expected = 2.0 / (3 * 4) * (weights * (v.detach() - u) + alpha * (v.detach() - ref))
    torch.testing.assert_close(v.grad, expected)


def test_orw_reference_and_rewards_receive_no_gradient():
    v = torch.randn(2, 4, requires_grad=True)
    ref = torch.randn(2, 4, requires_grad=True)
    rewards = torch.rand(2, requires_grad=True)
    orw_cfm_w2_loss(v, torch.zeros(2, 4), ref, rewards, 0.5, 0.5).backward()
    assert ref.grad is None and rewards.grad is None and v.grad is not None


def test_orw_with_zero_alpha_and_tau_is_plain_flow_matching():
    g = torch.Generator().manual_seed(2)
    v, u, ref = (torch.randn(5, 6, generator=g) for _ in range(3))
    loss = orw_cfm_w2_loss(v, u, ref, torch.rand(5, generator=g), alpha=0.0, tau=0.0)
    assert loss.item() == pytest.approx(flow_matching_loss(v, u).item(), rel=1e-6)
