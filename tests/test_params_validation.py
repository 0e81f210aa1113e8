"""Bad parameters stop the pipeline before any compute, with a message naming the key and what is allowed."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from replication import configs
from replication.configs.orw import ORWConfig
from replication.configs.validate import main as validate_main
from replication.configs.validate import validate_all
from replication.pipeline.params import ConfigError, read_params
from replication.pipeline.run_notebook import main as run_notebook


@pytest.fixture
def params(repo_root):
    return read_params(repo_root / "params.yaml")


def broken(params, path, value):
    changed = copy.deepcopy(params)
    node = changed
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return changed


def test_the_committed_params_are_valid(params):
    validate_all(params)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        # unknown key: names it and lists the allowed ones
        ("orw.finetune.taux", 1.0, r"orw\.finetune\.taux: unknown key; allowed here: .*tau"),
        # wrong type
        ("orw.finetune.steps", "many", r"orw\.finetune\.steps: .*integer"),
        # YAML's 2e-4 is a string: refused, not silently coerced
        ("orw.finetune.lr", "2e-4", r"orw\.finetune\.lr: .*number"),
        # out of range
        ("orw.finetune.tau", -1.0, r"orw\.finetune\.tau: .*greater than or equal to 0"),
        ("orw.sweep.alphas", [0.0, -0.3], r"orw\.sweep\.alphas\.1: .*greater than or equal to 0"),
        # not one of the allowed choices
        ("orw.data.source", "cifar", r"orw\.data\.source: .*'sklearn_digits' or 'mnist'"),
        # missing key
        ("orw.sweep", {"alphas": [0.0]}, r"orw\.sweep\.seeds: required key is missing"),
        # a section's own type
        ("runtime.device", "tpu", r"runtime\.device: .*'cpu' or 'cuda'"),
    ],
)
def test_bad_values_name_the_key(params, path, value, message):
    with pytest.raises(ConfigError, match=message):
        validate_all(broken(params, path, value))


def test_unknown_profile_and_top_level_key(params):
    with pytest.raises(ConfigError, match=r"profile: 'gpu' is not allowed; allowed: tiny, smoke, paper"):
        validate_all({**params, "profile": "gpu"})
    with pytest.raises(ConfigError, match=r"unknown top-level key\(s\) \['orv'\]"):
        validate_all({**params, "orv": {}})


def test_a_notebook_loads_only_its_section(params, tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text(yaml.safe_dump(broken(params, "cesar.grpo.steps", 0)))
    profile, orw = configs.load(ORWConfig, bad)  # another section's typo does not concern this notebook
    assert profile == "tiny" and orw.finetune.steps >= 1


def test_missing_params_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        read_params(tmp_path / "nope.yaml")


def test_the_params_stage_refuses_bad_params_and_writes_no_stamp(params, tmp_path, capsys):
    bad, stamp = tmp_path / "params.yaml", tmp_path / "params.ok"
    bad.write_text(yaml.safe_dump(broken(params, "orw.finetune.steps", 0)))
    assert validate_main([str(bad), str(stamp)]) == 2
    assert "orw.finetune.steps: Input should be greater than or equal to 1" in capsys.readouterr().err
    assert not stamp.exists()
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(params))
    assert validate_main([str(good), str(stamp)]) == 0 and stamp.read_text() == "params.yaml is valid\n"


def test_runner_refuses_an_undeclared_notebook_parameter(tmp_path, capsys):
    code = run_notebook(["notebooks/13-orw-finetune.py", str(tmp_path / "out.ipynb"), "-p", "alhpa", "0.3"])
    assert code == 2
    assert "no parameter named ['alhpa']" in capsys.readouterr().err
    assert not (tmp_path / "out.ipynb").exists()


def test_runner_command_line_exits_2_on_a_missing_notebook(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "replication.pipeline.run_notebook", "notebooks/99-missing.py", str(tmp_path / "o.ipynb")],
        capture_output=True, text=True,
    )
    assert result.returncode == 2 and "notebooks/99-missing.py not found" in result.stderr
