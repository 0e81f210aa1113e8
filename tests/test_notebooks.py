"""Notebook hygiene: tutorial shape, a parameters cell, no definitions, and dvc.yaml runs only notebooks that exist."""

import ast
import re

import jupytext
import pytest
import yaml

from replication.pipeline.run_notebook import declared_parameters

NOTEBOOKS = sorted(p for p in __import__("pathlib").Path(__file__).resolve().parents[1].glob("notebooks/*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_a_tutorial(path):
    assert re.fullmatch(r"\d\d-[a-z0-9-]+\.py", path.name), "notebooks are named NN-short-slug"
    notebook = jupytext.read(path)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "opens with a title and its purpose"
    assert "params_file" in declared_parameters(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            defined = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))]
            assert not [n for n in defined if not isinstance(n, ast.Lambda)], "no def/class in notebooks"
        assert not cell.get("outputs"), "sources are kept without outputs"


def test_every_stage_runs_an_existing_notebook_and_depends_on_it(repo_root):
    stages = yaml.safe_load((repo_root / "dvc.yaml").read_text())["stages"]
    for name, stage in stages.items():
        if "run_notebook" not in stage["cmd"] and "${run}" not in stage["cmd"]:
            continue  # the params check runs a module, not a notebook
        notebook = re.search(r"notebooks/\S+\.py", stage["cmd"]).group(0)
        assert (repo_root / notebook).is_file(), f"{name}: {notebook} missing"
        assert notebook in stage["deps"], f"{name} must list {notebook} in deps"
        assert not any(str(d).startswith("executed/") for d in stage["deps"]), f"{name} depends on an executed notebook"
