"""What a stage costs before its first useful line: ``.venv/bin/python benchmarks/bench_stage_startup.py``.

For each notebook, a copy that keeps only its parameters cell and the import statements of its first code cell
runs through the stage runner exactly as ``dvc repro`` runs a stage (runner, kernel start, parameter injection,
the notebook's imports, kernel shutdown). The median of ``--repeats`` runs is printed per notebook, beside the
part spent before the kernel runs its first cell (an empty notebook through the same runner).
"""

from __future__ import annotations

import argparse
import ast
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
from nbformat.v4 import new_code_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
RUNNER = [sys.executable, "-m", "replication.pipeline.run_notebook"]


def imports_only(source: str) -> str:
    tree = ast.parse(source)
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


def probe_script(notebook: Path) -> str:
    """The notebook's parameters cell and the imports of its first code cell after it, as a percent script."""
    cells = jupytext.read(notebook).cells
    index = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    parameters = cells[index]
    first = next(c for c in cells[index + 1:] if c.cell_type == "code")
    probe = new_notebook(cells=[parameters, new_code_cell(imports_only(first.source))])
    return jupytext.writes(probe, fmt="py:percent")


def timed(script: Path, executed: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*RUNNER, str(script), str(executed)], cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("notebooks", nargs="*", type=Path, default=sorted((REPO / "notebooks").glob("*.py")))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        empty = folder / "empty.py"
        empty.write_text('# %% tags=["parameters"]\nparams_file = "params.yaml"\n')
        base = statistics.median(timed(empty, folder / "empty.ipynb") for _ in range(args.repeats))
        print(f"{'notebook':<28} {'before first cell':>18} {'with its imports':>17}")
        worst = 0.0
        for notebook in args.notebooks:
            script = folder / notebook.name
            script.write_text(probe_script(notebook))
            total = statistics.median(timed(script, folder / f"{notebook.stem}.ipynb") for _ in range(args.repeats))
            worst = max(worst, total)
            print(f"{notebook.stem:<28} {base:>17.2f}s {total:>16.2f}s")
    print(f"worst stage start-up: {worst:.2f} s (target: at most 4 s on an idle 2-core machine)")


if __name__ == "__main__":
    main()
