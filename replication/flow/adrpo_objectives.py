"""The ADRPO experiment's methods in the online loop: each method's objective, minibatch and noise draw.

The objectives follow the loop's signature ``objective(v_theta, u_t, v_ref, rewards, groups, advantages=...)``:
thin adapters from the pure losses in ``adrpo_losses.py`` (and ORW-CFM-W2's in ``losses.py``). The advantages
come from the pool (``Pool.advantages``, computed once over whole prompt groups when the pool is drawn), so no
objective can average over a part of a group; ADRPO and the fixed-beta ablation refuse a pool without them.

``RECIPES`` is keyed like ``replication.configs.adrpo_flow.METHODS`` (the registry of labels, coefficient names and
colours); importing this module checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from replication.configs.adrpo_flow import METHODS, RLConfig, parse_run
from replication.flow.adrpo_losses import adrpo_fm_loss, best_worst_pairs, fixed_beta_awfm_loss, flow_dpo_loss
from replication.flow.losses import orw_cfm_w2_loss
from replication.flow.online import (
    MinibatchSampler,
    NoiseSampler,
    Objective,
    Pool,
    group_shared_noise,
    independent_noise,
    whole_group_minibatch,
)


def _pool_advantages(advantages: torch.Tensor | None, method: str) -> torch.Tensor:
    if advantages is None:
        raise ValueError(f"{method} needs the pool's group advantages (Pool.advantages, computed once over whole "
                         "prompt groups when the pool is drawn); this pool has none")
    return advantages


class ADRPOObjective:
    """ADRPO: L = mean[A fm + (beta0 - A) w2], A the pool's group advantage."""

    def __init__(self, beta0: float):
        if beta0 <= 0:
            raise ValueError(f"ADRPO needs beta0 > 0, got {beta0}")
        self.beta0 = beta0

    def __call__(self, v_theta, u_t, v_ref, rewards, groups, advantages=None) -> torch.Tensor:
        return adrpo_fm_loss(v_theta, u_t, v_ref, _pool_advantages(advantages, "ADRPO"), self.beta0)


class FixedBetaObjective:
    """The ablation: the same advantage-weighted flow matching with beta0 for every sample."""

    def __init__(self, beta0: float):
        if beta0 <= 0:
            raise ValueError(f"the fixed-beta baseline needs beta0 > 0, got {beta0}")
        self.beta0 = beta0

    def __call__(self, v_theta, u_t, v_ref, rewards, groups, advantages=None) -> torch.Tensor:
        return fixed_beta_awfm_loss(v_theta, u_t, v_ref, _pool_advantages(advantages, "fixed beta"), self.beta0)


class ORWW2Objective:
    """ORW-CFM-W2: L = mean[exp(tau r) fm + alpha w2] on raw rewards (it has no advantage; those given are unused)."""

    def __init__(self, alpha: float, tau: float):
        if alpha < 0 or tau < 0:
            raise ValueError(f"ORW-CFM-W2 needs alpha >= 0 and tau >= 0, got alpha={alpha}, tau={tau}")
        self.alpha, self.tau = alpha, tau

    def __call__(self, v_theta, u_t, v_ref, rewards, groups, advantages=None) -> torch.Tensor:
        return orw_cfm_w2_loss(v_theta, u_t, v_ref, rewards, alpha=self.alpha, tau=self.tau)


class FlowDPOObjective:
    """Diffusion-DPO for flow matching on the best and worst sample of each prompt group in the batch.

    With ``best_worst_minibatch`` the batch holds exactly each chosen group's best and worst sample of the pool.
    """

    def __init__(self, beta: float):
        if beta <= 0:
            raise ValueError(f"DPO needs beta > 0, got {beta}")
        self.beta = beta

    def __call__(self, v_theta, u_t, v_ref, rewards, groups, advantages=None) -> torch.Tensor:
        winners, losers = best_worst_pairs(rewards, groups)
        return flow_dpo_loss(v_theta, u_t, v_ref, winners, losers, self.beta)


def best_worst_minibatch(pool: Pool, batch_size: int, generator: torch.Generator) -> torch.Tensor:
    """The best and the worst sample (over the whole pool group) of ``batch_size // K`` groups drawn without
    replacement: Diffusion-DPO's preference pairs, ``[w_1, l_1, w_2, l_2, ...]``.

    Groups whose rewards are all equal carry no preference and are never drawn; K is the (equal) group size.
    """
    groups = pool.groups.cpu()
    winners, losers = best_worst_pairs(pool.rewards.cpu(), groups)  # (G',) one pair per group with a preference
    if len(winners) == 0:
        raise ValueError("no prompt group of this pool has two different rewards: no preference pair to train on")
    k = int(torch.unique(groups, return_counts=True)[1][0])
    n_pairs = min(len(winners), max(1, batch_size // k))
    chosen = torch.randperm(len(winners), generator=generator)[:n_pairs]  # (n,)
    return torch.stack([winners[chosen], losers[chosen]], dim=1).flatten()  # (2n,)


@dataclass(frozen=True)
class Recipe:
    """How the loop trains one method: its objective from (coefficient, loop config), its minibatch and noise."""

    objective: Callable[[float, RLConfig], Objective]
    learning_rate: Callable[[RLConfig], float]
    draw_minibatch: MinibatchSampler
    draw_noise: NoiseSampler


RECIPES: dict[str, Recipe] = {
    "adrpo": Recipe(lambda value, rl: ADRPOObjective(beta0=value), lambda rl: rl.lr, whole_group_minibatch,
                    independent_noise),
    "fixed_beta": Recipe(lambda value, rl: FixedBetaObjective(beta0=value), lambda rl: rl.lr, whole_group_minibatch,
                         independent_noise),
    "orw": Recipe(lambda value, rl: ORWW2Objective(alpha=value, tau=rl.tau), lambda rl: rl.lr, whole_group_minibatch,
                  independent_noise),
    "dpo": Recipe(lambda value, rl: FlowDPOObjective(beta=value), lambda rl: rl.dpo_lr, best_worst_minibatch,
                  group_shared_noise),
}
if set(RECIPES) != set(METHODS):  # one registry: the config's METHODS names what may be swept
    raise ImportError(f"RECIPES {sorted(RECIPES)} and configs.adrpo_flow.METHODS {sorted(METHODS)} disagree")


def recipe(run: str) -> tuple[Recipe, float]:
    """The recipe of a run id (``"adrpo-0.1"``) and its coefficient."""
    method, value = parse_run(run)
    return RECIPES[method], value
