"""environment.yml (conda) and pyproject.toml (pip) describe the same pinned environment."""

import re
import tomllib

import yaml


def _split(requirement: str) -> tuple[str, str]:
    name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", requirement.strip()).groups()
    return name.lower().replace("_", "-"), version


def test_environment_yml_pins_the_same_packages_as_pyproject(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    pip_side = dict(_split(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"])
    conda = yaml.safe_load((repo_root / "environment.yml").read_text())
    pip_block = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    conda_side = dict(_split(r) for r in pip_block)
    assert conda_side == pip_side
    assert "python=3.11" in conda["dependencies"]


def test_torch_is_pinned_to_the_offline_wheel(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    assert "torch==2.13.0" in project["dependencies"]
