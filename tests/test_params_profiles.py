"""Profiles are composed from conf/ before DVC sees them: params.yaml holds exactly what the stages use."""

from __future__ import annotations

import pytest
import yaml

from replication.configs.validate import validate_all
from replication.pipeline.params import PROFILES, ConfigError
from replication.pipeline.profiles import compose_params, composed_params, composed_text


def test_the_committed_params_yaml_is_conf_composed_for_tiny(repo_root):
    assert (repo_root / "params.yaml").read_text() == composed_text("tiny"), "run `make params PROFILE=tiny`"


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_composes_to_valid_params(profile):
    params = composed_params(profile)
    assert params["profile"] == profile
    validate_all(params)


def test_profiles_change_values_and_sweep_lists_not_only_the_profile_key():
    tiny, smoke, paper = (composed_params(p) for p in PROFILES)
    assert smoke["orw"]["finetune"]["steps"] < tiny["orw"]["finetune"]["steps"] < paper["orw"]["finetune"]["steps"]
    assert len(smoke["cesar"]["sweep"]["seeds"]) < len(tiny["cesar"]["sweep"]["seeds"])
    assert paper["runtime"]["device"] == "cuda" and tiny["runtime"]["device"] == "cpu"


def test_an_override_is_applied_like_dvc_exp_run_set_param(tmp_path):
    output = tmp_path / "params.yaml"
    compose_params("smoke", output, overrides=("orw.finetune.tau=0.5", "orw.sweep.alphas=[0.0,0.1]"))
    params = yaml.safe_load(output.read_text())
    assert params["orw"]["finetune"]["tau"] == 0.5 and params["orw"]["sweep"]["alphas"] == [0.0, 0.1]
    assert params["orw"]["finetune"]["steps"] == composed_params("smoke")["orw"]["finetune"]["steps"]


def test_an_unknown_profile_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ConfigError, match="allowed: tiny, smoke, paper"):
        compose_params("gpu", tmp_path / "params.yaml")
    assert not (tmp_path / "params.yaml").exists()
