"""Run one pipeline notebook with papermill: ``python -m replication.pipeline.run_notebook SOURCE EXECUTED [-p NAME VALUE]...``

SOURCE is a jupytext percent script (``notebooks/NN-slug.py``, what git keeps); EXECUTED is the notebook with
its outputs (a DVC output: the tutorial as it ran). Before a kernel starts, params.yaml is validated in full and
each ``-p`` name is checked against the notebook's parameters cell, so bad input fails in a second with a
message naming the key.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path

import jupytext
import papermill
import yaml

from replication.configs import validate_all
from replication.pipeline.params import DEFAULT_PARAMS_FILE, ConfigError, read_params


def declared_parameters(notebook) -> set[str]:
    """Names assigned in the cell tagged ``parameters``."""
    cells = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    if len(cells) != 1:
        raise ConfigError(f"expected exactly one cell tagged 'parameters', found {len(cells)}")
    tree = ast.parse(cells[0].source)
    return {target.id for node in tree.body if isinstance(node, ast.Assign) for target in node.targets
            if isinstance(target, ast.Name)}


def parse_overrides(pairs: list[list[str]]) -> dict[str, object]:
    # YAML scalars, as papermill's own CLI reads them: "0.3" -> 0.3, "0" -> 0, "true" -> True
    return {name: yaml.safe_load(value) for name, value in pairs}


def run(source: Path, executed: Path, overrides: dict[str, object], params_file: str) -> None:
    validate_all(read_params(params_file))
    if not source.is_file():
        raise ConfigError(f"notebook {source} not found")
    notebook = jupytext.read(source)
    unknown = sorted(set(overrides) - declared_parameters(notebook))
    if unknown:
        raise ConfigError(f"{source}: no parameter named {unknown}; declared: {sorted(declared_parameters(notebook))}")
    executed.parent.mkdir(parents=True, exist_ok=True)
    # deterministic cuBLAS must be configured before the kernel's first CUDA call, so it is set here, for every stage
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    papermill.execute_notebook(
        notebook,
        str(executed),
        parameters={"params_file": params_file, **overrides},
        kernel_name="python3",
        log_output=True,
        progress_bar=False,
        cwd=str(Path.cwd()),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("executed", type=Path)
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    parser.add_argument("--params-file", default=DEFAULT_PARAMS_FILE)
    args = parser.parse_args(argv)
    try:
        run(args.source, args.executed, parse_overrides(args.parameter), args.params_file)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except papermill.PapermillExecutionError as error:
        print(f"error: {args.source} failed in cell {error.exec_count}: {error.ename}: {error.evalue}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
