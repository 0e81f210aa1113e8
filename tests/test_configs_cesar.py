"""params.yaml's cesar section: valid on every profile, with the paper's settings on the paper profile."""

import pytest

from replication.configs.cesar import METHODS, CesarConfig, grpo_run_dir
from replication.pipeline.params import PROFILES, ConfigError, validate_section
from replication.pipeline.profiles import composed_params


@pytest.mark.parametrize("profile", PROFILES)
def test_section_validates_and_budgets_hold_the_no_reasoning_mode(profile):
    cfg = validate_section(CesarConfig, composed_params(profile)["cesar"], "cesar")
    assert cfg.scaling.budgets[0] == 0 and cfg.scaling.budgets == sorted(cfg.scaling.budgets)
    assert set(cfg.sweep.methods) == set(METHODS) and len(cfg.sweep.seeds) >= (1 if profile == "smoke" else 2)
    assert cfg.corpus.train_seed != cfg.corpus.test_seed


def test_paper_profile_uses_the_papers_settings():
    cfg = validate_section(CesarConfig, composed_params("paper")["cesar"], "cesar")
    assert cfg.model.source == "hub" and cfg.model.hub_id == "Qwen/Qwen2.5-Omni-7B"
    assert cfg.grpo.L_max == 256 and cfg.grpo.num_generations == 8 and cfg.sft.steps == 0
    assert cfg.scaling.budgets == list(range(0, 251, 25))
    weights = cfg.grpo.weights
    assert (weights.accuracy, weights.format, weights.consistency, weights.keywords, weights.overthinking) == (
        5.0, 1.0, 1.0, 1.0, 1.0)


def test_unknown_method_and_key_are_refused():
    raw = composed_params("tiny")["cesar"]
    with pytest.raises(ConfigError, match="methods"):
        validate_section(CesarConfig, {**raw, "sweep": {"methods": ["grpo"], "seeds": [0]}}, "cesar")
    with pytest.raises(ConfigError, match="unknown key"):
        validate_section(CesarConfig, {**raw, "extra": 1}, "cesar")


def test_run_dir_matches_dvc_yaml_spelling():
    assert str(grpo_run_dir("cesar", 1)) == "runs/cesar/grpo/cesar-seed1"
