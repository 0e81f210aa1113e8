"""params.yaml's cesar section: valid on every profile, with the paper's settings on the paper profile."""

import pytest

from replication.configs.cesar import METHODS, CesarConfig, grpo_run_dir
from replication.pipeline.params import PROFILES, ConfigError, validate_section
from replication.pipeline.profiles import composed_params


@pytest.mark.parametrize("profile", PROFILES)
def test_section_validates_and_budgets_hold_the_no_reasoning_mode(profile):
    cfg = validate_section(CesarConfig, composed_params(profile)["cesar"], "cesar")
    assert (cfg.scaling.budgets and cfg.scaling.budgets[0] == 0) or cfg.scaling.quantiles  # L = 0 always added
    methods = {m for m, _ in cfg.sweep.runs()}
    assert methods == set(METHODS) if profile != "smoke" else {"outcome", "cesar"} <= methods
    if profile != "smoke":  # 3 seeds for the methods a claim compares, 2 for the others
        assert len(cfg.sweep.seeds) >= 3 and len(cfg.sweep.ablation_seeds) >= 2
        assert cfg.grpo.num_generations == 8 and cfg.scaling.max_items >= 600 and cfg.corpus.test_items >= 600
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
        validate_section(CesarConfig, {**raw, "sweep": {**raw["sweep"], "methods": ["grpo"]}}, "cesar")
    with pytest.raises(ConfigError, match="unknown key"):
        validate_section(CesarConfig, {**raw, "extra": 1}, "cesar")


def test_run_dir_matches_dvc_yaml_spelling():
    assert str(grpo_run_dir("cesar", 1)) == "runs/cesar/grpo/cesar-seed1"


@pytest.mark.parametrize("scaling, match", [
    ({"budgets": [], "quantiles": []}, "exactly one"),
    ({"budgets": [0, 8], "quantiles": [0.5]}, "exactly one"),
    ({"budgets": [8, 16], "quantiles": []}, "hold 0"),
    ({"budgets": [0, 16, 8], "quantiles": []}, "ascending"),
    ({"budgets": [], "quantiles": [0.5, 1.5]}, "quantiles"),
])
def test_budgets_or_quantiles_are_checked(scaling, match):
    raw = composed_params("tiny")["cesar"]
    with pytest.raises(ConfigError, match=match):
        validate_section(CesarConfig, {**raw, "scaling": {**raw["scaling"], **scaling}}, "cesar")


def test_sweep_runs_list_the_ablations_on_their_own_seeds():
    cfg = validate_section(CesarConfig, composed_params("tiny")["cesar"], "cesar")
    runs = cfg.sweep.runs()
    assert runs[: len(cfg.sweep.seeds)] == [("outcome", s) for s in cfg.sweep.seeds]
    assert ("cesar_no_consistency", cfg.sweep.ablation_seeds[-1]) in runs
    assert len(runs) == 2 * len(cfg.sweep.seeds) + 3 * len(cfg.sweep.ablation_seeds)


@pytest.mark.parametrize("section, override, match", [
    ("grpo", {"difficulties": ["easy", "easy"]}, "distinct"),
    ("grpo", {"difficulties": ["trivial"]}, "difficulties"),
    ("traces", {"drift": [0.0, 1.5]}, "drift"),
    ("traces", {"compound_min_events": 0}, "compound_min_events"),
])
def test_testbed_and_rl_prompt_settings_are_checked(section, override, match):
    raw = composed_params("tiny")["cesar"]
    if section == "traces":
        raw = {**raw, "corpus": {**raw["corpus"], "traces": {**raw["corpus"]["traces"], **override}}}
    else:
        raw = {**raw, section: {**raw[section], **override}}
    with pytest.raises(ConfigError, match=match):
        validate_section(CesarConfig, raw, "cesar")
