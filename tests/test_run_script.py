"""The Jupyter-free runner used on GPU machines executes code cells in order and injects parameters like papermill."""

import pytest

from replication.pipeline.run_script import code_cells, run_script

SOURCE = '''# ---
# jupyter: {}
# ---

# %% [markdown]
# # 99 · A title
# x = "markdown is never run"

# %% tags=["parameters"]
alpha = 0.3
seed = 0

# %%
result = alpha * 10 + seed
'''


def test_code_cells_skip_markdown_and_flag_the_parameters_cell():
    cells = code_cells(SOURCE)
    assert [is_parameters for is_parameters, _ in cells] == [True, False]
    assert "markdown is never run" not in "".join(code for _, code in cells)


def test_parameters_are_injected_after_the_parameters_cell(tmp_path):
    path = tmp_path / "99-demo.py"
    path.write_text(SOURCE)
    assert run_script(path, {})["result"] == 3.0
    assert run_script(path, {"alpha": 0.8, "seed": 2})["result"] == 10.0


def test_unknown_parameter_is_refused(tmp_path):
    path = tmp_path / "99-demo.py"
    path.write_text(SOURCE)
    with pytest.raises(ValueError, match=r"no parameter named \['alhpa'\]"):
        run_script(path, {"alhpa": 1.0})
