"""Every stage depends on everything it runs: its code's import closure and the params.yaml keys it reads."""

from pathlib import Path

import pytest
import yaml

from replication.configs.validate import SECTIONS
from replication.pipeline.stage_deps import import_closure, params_read, rewritten, stage_code_deps

REPO = Path(__file__).resolve().parents[1]
STAGES = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
CONFIG_SECTIONS = {config.__name__: config.SECTION for config in SECTIONS}


def test_dvc_yaml_lists_exactly_each_stages_import_closure():
    assert rewritten(REPO / "dvc.yaml", REPO) == (REPO / "dvc.yaml").read_text(), "run `make deps`"


@pytest.mark.parametrize("name", sorted(STAGES))
def test_no_module_a_stage_runs_is_missing_from_its_deps(name):
    stage = STAGES[name]
    cmd = stage["cmd"].replace("${run}", ".venv/bin/python -m replication.pipeline.run_notebook")
    missing = sorted(set(stage_code_deps(cmd, REPO)) - set(stage["deps"]))
    assert not missing, f"{name} runs {missing} without depending on them"


@pytest.mark.parametrize("name", sorted(STAGES))
def test_every_params_key_a_notebook_reads_is_a_stage_param(name):
    stage = STAGES[name]
    notebooks = [dep for dep in stage["deps"] if dep.startswith("notebooks/")]
    declared = [p for p in stage.get("params", []) if isinstance(p, str)]
    for notebook in notebooks:
        for key in params_read(REPO / notebook, CONFIG_SECTIONS):
            assert any(key == p or key.startswith(p + ".") for p in declared), f"{name} reads {key} untracked"


def test_the_package_imports_only_statically():
    # the closure is computed from import statements; an import by string would escape it
    for path in (REPO / "replication").rglob("*.py"):
        source = path.read_text()
        assert "importlib.import_module(" not in source and "__import__(" not in source, path


@pytest.fixture
def package(tmp_path):
    files = {
        "replication/__init__.py": "",
        "replication/a.py": "from replication.b import helper\n",
        "replication/b.py": "def helper():\n    import replication.sub.c\n",
        "replication/sub/__init__.py": "",
        "replication/sub/c.py": "TABLE = 'table.yaml'\n",
        "replication/sub/table.yaml": "x: 1\n",
        "replication/sub/unused.yaml": "y: 2\n",
        "replication/d.py": "import os\n",
        "nb.py": "from replication import a\nimport numpy\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_the_closure_follows_imports_inside_functions_and_named_data_files(package):
    closure = {p.as_posix() for p in import_closure([package / "nb.py"], [], package)}
    assert closure == {
        "replication/__init__.py", "replication/a.py", "replication/b.py", "replication/sub/__init__.py",
        "replication/sub/c.py", "replication/sub/table.yaml",
    }


def test_params_read_follows_aliases_and_whole_objects(tmp_path):
    notebook = tmp_path / "nb.py"
    notebook.write_text(
        "profile, cfg = configs.load(ORWConfig, params_file)\n"
        "_, runtime = configs.load(RuntimeConfig, params_file)\n"
        "ft = cfg.finetune\n"
        "train(ft.steps, cfg.base.sampling_steps, runtime)\n"
        "print(profile)\n"
    )
    read = params_read(notebook, {"ORWConfig": "orw", "RuntimeConfig": "runtime"})
    assert read == {"orw.finetune.steps", "orw.base.sampling_steps", "runtime", "profile"}
