"""The pieces that plug ADRPO into the shared online loop: minibatches, objectives, the prompt pool, the report."""

import numpy as np
import pandas as pd
import pytest
import torch

from replication.configs.adrpo_flow import ADRPOFlowConfig, finetune_run_dir
from replication.configs.runtime import RuntimeConfig
from replication.flow.adrpo_losses import adrpo_fm_loss, group_advantages
from replication.flow.adrpo_objectives import ADRPOObjective, FlowDPOObjective, make_objective
from replication.flow.objectives import ORWObjective
from replication.flow.online import Pool, online_finetune, uniform_minibatch, whole_group_minibatch
from replication.flow.prompt_pool import PromptPoolSampler, evaluate, evaluation_prompts, prompt_subset
from replication.pipeline.params import ConfigError, validate_section
from replication.pipeline.profiles import composed_params
from replication.pipeline.runlog import MetricsLog
from replication.plots.adrpo_flow import pareto_front
from replication.plots.adrpo_flow_report import undominated_baselines

CPU = RuntimeConfig(device="cpu", dtype="float32")


def pool_of(groups):
    groups = torch.tensor(groups)
    n = len(groups)
    return Pool(x1=torch.zeros(n, 1), condition=groups, rewards=torch.arange(n, dtype=torch.float), groups=groups)


def test_whole_group_minibatch_takes_complete_groups():
    pool = pool_of([5, 5, 9, 9, 2, 2, 7, 7])
    index = whole_group_minibatch(pool, 4, torch.Generator().manual_seed(0))
    chosen = pool.groups[index]
    assert len(index) == 4 and len(set(chosen.tolist())) == 2
    for g in set(chosen.tolist()):
        assert (chosen == g).sum() == (pool.groups == g).sum()
    # fewer samples asked than one group holds: still one whole group
    assert len(whole_group_minibatch(pool, 1, torch.Generator().manual_seed(0))) == 2


def test_whole_group_minibatch_refuses_unequal_groups():
    with pytest.raises(ValueError, match="equal size"):
        whole_group_minibatch(pool_of([1, 1, 2]), 2, torch.Generator())


def test_uniform_minibatch_is_the_original_draw():
    pool, g1, g2 = pool_of([0, 0, 1, 1]), torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(uniform_minibatch(pool, 6, g1), torch.randint(4, (6,), generator=g2))


def test_objectives_wire_the_pure_losses():
    torch.manual_seed(0)
    v, u, ref = torch.randn(4, 2), torch.randn(4, 2), torch.randn(4, 2)
    rewards, groups = torch.tensor([0.1, 0.5, 0.2, 0.9]), torch.tensor([0, 0, 1, 1])
    expected = adrpo_fm_loss(v, u, ref, group_advantages(rewards, groups), 0.3)
    assert torch.equal(ADRPOObjective(0.3)(v, u, ref, rewards, groups), expected)
    assert isinstance(make_objective("orw", 0.1, tau=2.0), ORWObjective)
    assert isinstance(make_objective("dpo", 5.0, tau=2.0), FlowDPOObjective)
    with pytest.raises(ValueError, match="unknown method"):
        make_objective("ppo", 0.1, tau=1.0)
    with pytest.raises(ValueError, match="beta0 > 0"):
        ADRPOObjective(0.0)


class TinyVelocity(torch.nn.Module):
    """v = w[prompt] * x: one trainable scalar per prompt, enough to run the loop end to end."""

    def __init__(self, n_prompts):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(n_prompts))

    def forward(self, x, sigma, prompt_index):
        return self.w[prompt_index].view(-1, 1, 1, 1) * x


def brightness_scorer(images, prompts):
    """Reward: mean pixel value mapped to [0, 1]; embedding: the flattened image."""
    return (images.mean(dim=(1, 2, 3)) + 1) / 2, images.flatten(1)


def test_prompt_pool_and_the_loop_run_end_to_end(tmp_path):
    prompts = [f"p{i}" for i in range(6)]
    policy, reference = TinyVelocity(6), TinyVelocity(6)
    sampler = PromptPoolSampler(reference, brightness_scorer, prompts, torch.tensor([0, 1, 2, 3]), 3, 4, (1, 2, 2),
                                sampling_steps=2, generator=torch.Generator().manual_seed(0), runtime=CPU)
    pool, metrics = sampler(policy)
    assert pool.x1.shape == (12, 1, 2, 2) and len(set(pool.groups.tolist())) == 3
    assert set(pool.groups.tolist()) <= {0, 1, 2, 3} and metrics["w2"] == 0.0
    with MetricsLog(tmp_path / "steps.csv") as log:
        final = online_finetune(policy, reference, sampler, ADRPOObjective(0.1), steps=4, batch_size=8, lr=0.1,
                                warmup_steps=0, grad_clip=1.0, refresh_every=2, generator=torch.Generator().manual_seed(1),
                                log=log, runtime=CPU, draw_minibatch=whole_group_minibatch)
    steps = pd.read_csv(tmp_path / "steps.csv")
    assert steps["step"].tolist() == [0, 2, 4] and final["w2"] > 0  # the policy moved away from the reference
    assert policy.w[4:].abs().sum() == 0  # prompts outside the training index are never trained


def test_evaluation_batch_is_fixed():
    index = torch.arange(10, 20)
    a, b = evaluation_prompts(index, 3, 2, seed=5), evaluation_prompts(index, 3, 2, seed=5)
    assert torch.equal(a, b) and len(a) == 6 and torch.equal(a[::2], a[1::2])
    policy = TinyVelocity(20)
    out1 = evaluate(policy, policy, {"train": index}, [str(i) for i in range(20)], brightness_scorer, (1, 2, 2), 2, 3, 2, 5, CPU)
    out2 = evaluate(policy, policy, {"train": index}, [str(i) for i in range(20)], brightness_scorer, (1, 2, 2), 2, 3, 2, 5, CPU)
    assert out1 == out2 and set(out1) == {"train_reward", "train_diversity", "train_w2"}


def test_prompt_subset_is_fixed_by_its_seed_and_checked():
    index = torch.arange(100, 140)
    a = prompt_subset(index, 8, seed=3)
    assert torch.equal(a, prompt_subset(index, 8, seed=3)) and not torch.equal(a, prompt_subset(index, 8, seed=4))
    assert len(set(a.tolist())) == 8 and set(a.tolist()) <= set(index.tolist()) and torch.equal(a, a.sort().values)
    with pytest.raises(ValueError, match="n_prompts must be in"):
        prompt_subset(index, 41, seed=0)


def test_pareto_front_hand_case():
    reward = np.array([1.0, 2.0, 2.0, 0.5, 3.0])
    diversity = np.array([3.0, 2.0, 1.0, 0.5, 0.2])
    # point 2 is beaten by point 1 (same reward, more diversity); point 3 by everyone
    assert pareto_front(reward, diversity).tolist() == [True, True, False, False, True]


def test_undominated_baselines():
    summary = pd.DataFrame({
        "method": ["adrpo", "adrpo", "orw", "dpo"], "run": ["a1", "a2", "orw", "dpo"],
        "train_reward": [0.5, 0.8, 0.7, 0.9], "train_diversity": [1.0, 0.6, 0.5, 0.1],
    })
    # orw (0.7, 0.5) is beaten by a2 (0.8, 0.6); dpo has the highest reward, so nothing beats it
    assert undominated_baselines(summary, "train") == ["dpo"]


def test_params_section_validates_for_every_profile_and_rejects_typos():
    for profile in ("tiny", "smoke", "paper"):
        config = validate_section(ADRPOFlowConfig, composed_params(profile)["adrpo_flow"], "adrpo_flow")
    assert config.finetune.paper_models.generator == "sd3_lora"
    tiny = validate_section(ADRPOFlowConfig, composed_params("tiny")["adrpo_flow"], "adrpo_flow")
    assert len(tiny.sweep.beta0s) >= 3 and len(tiny.sweep.alphas) >= 3 and len(tiny.sweep.seeds) >= 2
    section = composed_params("tiny")["adrpo_flow"]
    bad = {**section, "finetune": {**section["finetune"], "stepz": 3}}
    with pytest.raises(ConfigError, match="adrpo_flow.finetune.stepz: unknown key"):
        validate_section(ADRPOFlowConfig, bad, "adrpo_flow")


def test_run_dir_names_match_dvc_yaml():
    assert str(finetune_run_dir("fixed_beta", 0.1, 1)) == "runs/adrpo_flow/finetune/fixed_beta-0.1-seed1"
    with pytest.raises(ValueError, match="unknown method"):
        finetune_run_dir("ppo", 0.1, 0)


def test_summarise_means_over_seeds_and_measures_their_spread():
    from replication.plots.adrpo_flow_report import summarise

    finals = pd.DataFrame({
        "method": ["adrpo", "adrpo", "orw", "orw"], "value": [0.1, 0.1, 0.5, 0.5], "seed": [0, 1, 0, 1],
        "train_reward": [0.2, 0.3, 0.25, 0.27], "train_diversity": [1.0, 3.0, 1.0, 1.0], "train_w2": [0.1] * 4,
        "heldout_reward": [0.1] * 4, "heldout_diversity": [1.0] * 4, "heldout_w2": [0.1] * 4,
    })
    summary = summarise(finals).set_index("method")
    assert summary.loc["adrpo", "train_reward"] == pytest.approx(0.25)
    assert summary.loc["adrpo", "train_diversity"] == pytest.approx(2.0)
    assert summary.loc["adrpo", "train_reward_spread"] == pytest.approx(0.1)
    assert summary.loc["orw", "train_reward_spread"] == pytest.approx(0.02)
    assert summary.loc["orw", "run"] == "ORW-CFM-W2 alpha=0.5" and summary.loc["orw", "seeds"] == 2
