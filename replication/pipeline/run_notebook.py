"""Run one pipeline notebook with papermill: ``python -m replication.pipeline.run_notebook SOURCE EXECUTED [-p NAME VALUE]...``

SOURCE is a jupytext percent script (``notebooks/NN-slug.py``, what git keeps); EXECUTED is the notebook with
its outputs (a DVC output: the tutorial as it ran). params.yaml itself is checked once per edit by the
``params`` stage that every stage depends on; here each ``-p`` name is checked against the notebook's
parameters cell before a kernel starts. The kernel's output streams straight to this process's stdout and
stderr, so a stage's log reads like the notebook's outputs (one text progress bar per loop).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import tempfile
from pathlib import Path

import yaml

from replication.pipeline.params import DEFAULT_PARAMS_FILE, ConfigError

QUIET_WARNINGS = (
    "ignore:IProgress not found",
    "ignore::FutureWarning:transformers.modeling_utils",
    "ignore::FutureWarning:transformers.training_args",
)


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


def stage_environment() -> None:
    """Environment every stage's kernel inherits (set here, before the kernel starts)."""
    # deterministic cuBLAS must be configured before the kernel's first CUDA call
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    # One CPU thread per stage unless the caller says otherwise: the CPU profiles' models are tiny, `make
    # figures` runs one stage per core, and torch's spin-waiting threads made a training step 15x slower when
    # two stages shared the cores (measured: 1.1 s vs 0.075 s per step on 2 cores).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # A text progress bar redrawn at most every 2 s: one line per loop in a terminal, a few kB in the notebook;
    # the libraries' own bars (loading and writing weights) are switched off.
    os.environ.setdefault("TQDM_MININTERVAL", "2")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    # Two warnings about things the pipeline does not use: tqdm's widget bars (we draw text bars) and the
    # checkpointing names TRL 1.16 still calls on transformers 5 (both versions pinned).
    os.environ.setdefault("PYTHONWARNINGS", ",".join(QUIET_WARNINGS))


def run(source: Path, executed: Path, overrides: dict[str, object], params_file: str) -> None:
    import jupytext

    if not source.is_file():
        raise ConfigError(f"notebook {source} not found")
    notebook = jupytext.read(source)
    declared = declared_parameters(notebook)
    unknown = sorted(set(overrides) - declared)
    if unknown:
        raise ConfigError(f"{source}: no parameter named {unknown}; declared: {sorted(declared)}")
    executed.parent.mkdir(parents=True, exist_ok=True)
    stage_environment()

    import papermill
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        papermill.execute_notebook(
            notebook,
            str(executed),
            parameters={"params_file": params_file, **overrides},
            kernel_name="python3",
            language="python",
            shutdown_kernel="immediate",
            progress_bar=False,
            stdout_file=sys.stdout,
            stderr_file=sys.stderr,
            coalesce_streams=True,  # one output per stream and cell: a bar's redraws stay one bar in the notebook
            cwd=str(Path.cwd()),
            # the kernel's own log (start-up and shutdown chatter) stays out of the stage's output
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            # local sockets instead of TCP ports: nothing listens on the network, and the kernel has no
            # plain-text-TCP warning to print
            config=Config({"KernelManager": {"transport": "ipc", "ip": str(Path(sockets) / "kernel")}}),
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
    except Exception as error:
        from papermill import PapermillExecutionError

        if not isinstance(error, PapermillExecutionError):
            raise
        print(f"error: {args.source} failed in cell {error.exec_count}: {error.ename}: {error.evalue}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
