"""The pieces that plug ADRPO into the shared online loop: minibatches, objectives, the prompt pool, the report."""

import numpy as np
import pandas as pd
import pytest
import torch

from replication.configs.adrpo_flow import METHODS, ADRPOFlowConfig, finetune_run_dir, parse_run, run_label
from replication.configs.runtime import RuntimeConfig
from replication.flow.adrpo_losses import adrpo_fm_loss, best_worst_pairs, group_advantages
from replication.flow.adrpo_objectives import (
    RECIPES,
    ADRPOObjective,
    FixedBetaObjective,
    FlowDPOObjective,
    ORWW2Objective,
    best_worst_minibatch,
    recipe,
)
from replication.flow.online import (
    Pool,
    group_shared_noise,
    independent_noise,
    online_finetune,
    uniform_minibatch,
    whole_group_minibatch,
)
from replication.flow.prompt_pool import PromptPoolSampler, evaluate, evaluation_prompts, prompt_subset
from replication.pipeline.params import ConfigError, validate_section
from replication.pipeline.profiles import composed_params
from replication.pipeline.runlog import MetricsLog

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


def test_objectives_wire_the_pure_losses_and_take_the_pools_advantages():
    torch.manual_seed(0)
    v, u, ref = torch.randn(4, 2), torch.randn(4, 2), torch.randn(4, 2)
    rewards, groups = torch.tensor([0.1, 0.5, 0.2, 0.9]), torch.tensor([0, 0, 1, 1])
    advantages = group_advantages(rewards, groups)
    expected = adrpo_fm_loss(v, u, ref, advantages, 0.3)
    assert torch.equal(ADRPOObjective(0.3)(v, u, ref, rewards, groups, advantages=advantages), expected)
    # the advantages are the pool's, not recomputed from the minibatch: others give another loss
    assert not torch.equal(ADRPOObjective(0.3)(v, u, ref, rewards, groups, advantages=advantages + 0.1), expected)
    for objective in (ADRPOObjective(0.3), FixedBetaObjective(0.3)):
        with pytest.raises(ValueError, match="pool's group advantages"):
            objective(v, u, ref, rewards, groups)
    with pytest.raises(ValueError, match="beta0 > 0"):
        ADRPOObjective(0.0)


def test_recipes_follow_the_method_registry():
    assert set(RECIPES) == set(METHODS)
    rl = composed_params("tiny")["adrpo_flow"]["finetune"]
    from replication.configs.adrpo_flow import RLConfig

    rl = RLConfig(**rl)
    spec, value = recipe("orw-0.5")
    objective = spec.objective(value, rl)
    assert isinstance(objective, ORWW2Objective) and objective.alpha == 0.5 and objective.tau == rl.tau
    dpo, beta = recipe("dpo-100")
    assert isinstance(dpo.objective(beta, rl), FlowDPOObjective) and dpo.learning_rate(rl) == rl.dpo_lr
    assert dpo.draw_minibatch is best_worst_minibatch and dpo.draw_noise is group_shared_noise
    adrpo, _ = recipe("adrpo-0.2")
    assert adrpo.learning_rate(rl) == rl.lr and adrpo.draw_noise is independent_noise


@pytest.mark.parametrize("run, message", [
    ("ppo-0.1", "unknown method"),
    ("adrpo-x", "not a number"),
    ("adrpo-0", "must be > 0"),
    ("orw--1", "must be >= 0"),
    ("adrpo-0.10", "spell it 'adrpo-0.1'"),
])
def test_run_ids_are_checked(run, message):
    with pytest.raises(ValueError, match=message):
        parse_run(run)


def test_run_ids_parse_and_label():
    assert parse_run("fixed_beta-0.05") == ("fixed_beta", 0.05) and parse_run("orw-0") == ("orw", 0.0)
    assert run_label("dpo-1000") == "Diffusion-DPO beta=1000"


def test_best_worst_minibatch_takes_each_chosen_groups_pool_best_and_worst():
    groups = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2])
    rewards = torch.tensor([0.1, 0.9, 0.5, 0.3, 0.3, 0.3, 0.2, 0.0, 0.7])  # group 1 has no preference
    pool = Pool(x1=torch.zeros(9, 1), condition=groups, rewards=rewards, groups=groups)
    index = best_worst_minibatch(pool, batch_size=6, generator=torch.Generator().manual_seed(0))  # 6 // 3 = 2 pairs
    pairs = {tuple(pair) for pair in index.view(-1, 2).tolist()}
    assert pairs == {(1, 0), (8, 7)}
    # the minibatch's own best-worst pairs are the pool's
    winners, losers = best_worst_pairs(rewards[index], groups[index])
    assert set(zip(index[winners].tolist(), index[losers].tolist())) == pairs


def test_group_shared_noise_shares_noise_and_sigma_within_a_group_only():
    x1, groups = torch.zeros(4, 1, 2, 2), torch.tensor([7, 3, 7, 3])
    noise, sigma = group_shared_noise(x1, groups, torch.Generator().manual_seed(0))
    assert noise.shape == x1.shape and sigma.shape == (4,)
    assert torch.equal(noise[0], noise[2]) and torch.equal(noise[1], noise[3]) and not torch.equal(noise[0], noise[1])
    assert sigma[0] == sigma[2] and sigma[1] == sigma[3] and sigma[0] != sigma[1]


def test_independent_noise_is_the_loops_original_draw():
    x1, g1, g2 = torch.zeros(3, 1, 2, 2), torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    noise, sigma = independent_noise(x1, torch.zeros(3), g1)
    assert torch.equal(noise, torch.randn(x1.shape, generator=g2)) and torch.equal(sigma, torch.rand(3, generator=g2))


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
    assert torch.allclose(pool.advantages, group_advantages(pool.rewards, pool.groups))  # once, over whole groups
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


def test_params_section_validates_for_every_profile_and_rejects_typos():
    for profile in ("tiny", "smoke", "paper"):
        config = validate_section(ADRPOFlowConfig, composed_params(profile)["adrpo_flow"], "adrpo_flow")
    assert config.paper_models.generator == "sd3_lora"
    tiny = validate_section(ADRPOFlowConfig, composed_params("tiny")["adrpo_flow"], "adrpo_flow")
    for sweep in (tiny.sweep, tiny.digits.sweep):
        methods = [parse_run(run)[0] for run in sweep.runs]
        # two or more coefficients per W2-regularised method (with the pre-trained model, three points per front)
        assert all(methods.count(m) >= 2 for m in ("adrpo", "orw", "fixed_beta")) and "dpo" in methods
        assert len(sweep.seeds) >= 3
    assert tiny.finetune.samples_per_prompt >= 8 and tiny.digits.finetune.samples_per_prompt >= 8
    for evaluation in (tiny.evaluation, tiny.digits.evaluation):
        assert evaluation.prompts * evaluation.samples_per_prompt >= 512
    section = composed_params("tiny")["adrpo_flow"]
    bad = {**section, "finetune": {**section["finetune"], "stepz": 3}}
    with pytest.raises(ConfigError, match="adrpo_flow.finetune.stepz: unknown key"):
        validate_section(ADRPOFlowConfig, bad, "adrpo_flow")
    bad = {**section, "sweep": {**section["sweep"], "runs": ["adrpo-0.2", "ppo-1"]}}
    with pytest.raises(ConfigError, match="adrpo_flow.sweep.runs.*unknown method 'ppo'"):
        validate_section(ADRPOFlowConfig, bad, "adrpo_flow")
    bad = {**section, "sweep": {**section["sweep"], "runs": ["adrpo-0.2", "adrpo-0.2"]}}
    with pytest.raises(ConfigError, match="listed twice"):
        validate_section(ADRPOFlowConfig, bad, "adrpo_flow")
    bad = {**section, "base": {**section["base"], "gate": {"min_reward": 0.9, "max_reward": 0.6}}}
    with pytest.raises(ConfigError, match="must be below max_reward"):
        validate_section(ADRPOFlowConfig, bad, "adrpo_flow")


def test_run_dir_names_match_dvc_yaml():
    import yaml

    assert str(finetune_run_dir("digits", "fixed_beta-0.1", 1)) == "runs/adrpo_flow/digits/fixed_beta-0.1-seed1"
    stages = yaml.safe_load(open("dvc.yaml"))["stages"]
    for testbed in ("shapes", "digits"):
        outs = stages[f"adrpo-flow-{testbed}-rl"]["outs"]
        assert f"runs/adrpo_flow/{testbed}/${{item.run}}-seed${{item.seed}}/model" in outs
        assert list(stages[f"adrpo-flow-{testbed}-rl"]["matrix"])[-1] == "seed"  # the seed is the last matrix key
    with pytest.raises(ValueError, match="unknown method"):
        finetune_run_dir("shapes", "ppo-0.1", 0)
    with pytest.raises(ValueError, match="unknown testbed"):
        finetune_run_dir("mnist", "adrpo-0.1", 0)
