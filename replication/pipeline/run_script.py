"""Run a notebook source without Jupyter: ``python -m replication.pipeline.run_script SOURCE [-p NAME VALUE]...``

For machines that have torch but no Jupyter/papermill/DVC (the lent GPU machines): the code cells of the
jupytext percent script run in order in one namespace, and the ``-p`` values are assigned right after the
``parameters`` cell, as papermill would inject them. Outputs are not captured; files are written as in a stage.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

CELL_MARKER = re.compile(r"^# %%(.*)$")


def code_cells(source: str) -> list[tuple[bool, str]]:
    """(is_parameters_cell, code) for each code cell of a percent script, in order."""
    cells: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        marker = CELL_MARKER.match(line)
        if marker:
            cells.append((marker.group(1), []))
        elif cells:
            cells[-1][1].append(line)
    return [("parameters" in header, "\n".join(body)) for header, body in cells if "[markdown]" not in header]


def run_script(path: str | Path, parameters: dict[str, object]) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "__main__"}
    cells = code_cells(Path(path).read_text())
    if sum(is_parameters for is_parameters, _ in cells) != 1:
        raise ValueError(f"{path}: expected exactly one cell tagged 'parameters'")
    for is_parameters, code in cells:
        exec(compile(code, str(path), "exec"), namespace)  # noqa: S102 (our own notebook sources)
        if is_parameters:
            unknown = sorted(set(parameters) - set(namespace))
            if unknown:
                raise ValueError(f"{path}: no parameter named {unknown}")
            namespace.update(parameters)
    return namespace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    args = parser.parse_args(argv)
    run_script(args.source, {name: yaml.safe_load(value) for name, value in args.parameter})
    return 0


if __name__ == "__main__":
    sys.exit(main())
