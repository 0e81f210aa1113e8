"""Each stage's code dependencies, computed from what it runs: ``python -m replication.pipeline.stage_deps [--check]``.

A stage runs the modules its command names (``-m replication....``) and the notebook it executes; both import
package modules, which import others. The import closure of those entry points (found statically, so an import
inside a function counts too), the package ``__init__`` files on the way, and the package data files a closure
module names (``cesar_lexicons.yaml``) are the stage's code deps. This module rewrites the ``replication/...``
entries of every stage's ``deps`` in dvc.yaml to exactly that set (``make deps``); other deps (the notebook, data,
upstream artefacts) are kept as written. ``--check`` only reports, and tests/test_stage_deps.py fails on any gap.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import yaml

PACKAGE = "replication"
DVC_FILE = Path("dvc.yaml")
NOTEBOOK = re.compile(r"notebooks/\S+\.py")
MODULE = re.compile(r"-m\s+(replication(?:\.\w+)+)")


def module_path(name: str, root: Path) -> Path | None:
    """The file of a package module (``a.b`` -> ``a/b.py`` or ``a/b/__init__.py``), or None if it is not one."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(source: str, path: Path, root: Path) -> set[str]:
    """Dotted names of the package modules ``source`` imports (``from a import b`` tries ``a.b`` as a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise ValueError(f"{path}:{node.lineno}: relative import; the package imports absolutely")
            base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name == PACKAGE or name.startswith(PACKAGE + ".")}


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def import_closure(entry_files: list[Path], entry_modules: list[str], root: Path) -> set[Path]:
    """Package files (modules, ``__init__``s, named data files) reachable from the entry points, relative to root."""
    pending = [name for module in entry_modules for name in _with_parents(module)]
    for path in entry_files:
        pending += [n for name in _imported_names(path.read_text(), path, root) for n in _with_parents(name)]
    seen: set[Path] = set()
    while pending:
        path = module_path(pending.pop(), root)
        if path is None or path in seen:
            continue
        seen.add(path)
        pending += [n for name in _imported_names(path.read_text(), path, root) for n in _with_parents(name)]
    return {path.relative_to(root) for path in seen | _named_data_files(seen)}


def _named_data_files(modules: set[Path]) -> set[Path]:
    """Non-Python files beside a closure module whose file name that module's source spells out."""
    found = set()
    for module in modules:
        source = module.read_text()
        for data in module.parent.iterdir():
            if data.is_file() and data.suffix not in (".py", ".pyc") and data.name in source:
                found.add(data)
    return found


def stage_code_deps(cmd: str, root: Path) -> list[str]:
    """Sorted code deps of a stage whose command is ``cmd`` (the ``replication/`` files it runs)."""
    notebooks = [root / path for path in NOTEBOOK.findall(cmd)]
    closure = import_closure(notebooks, MODULE.findall(cmd), root)
    return sorted(path.as_posix() for path in closure)


def params_read(notebook: Path, sections: dict[str, str]) -> set[str]:
    """Dotted params.yaml keys a notebook reads, from ``profile, cfg = configs.load(XConfig, ...)`` and the
    attribute chains on ``cfg`` (and on names bound to a part of it, ``ft = cfg.finetune``). A config object
    used whole (passed to a function, say) reads its whole subtree. ``sections`` maps config class names to
    their ``SECTION``.
    """
    tree = ast.parse(notebook.read_text(), filename=str(notebook))
    bound: dict[str, str] = {}  # variable -> the dotted key it holds
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if (isinstance(call.func, ast.Attribute) and call.func.attr == "load" and call.args
                    and isinstance(call.args[0], ast.Name) and call.args[0].id in sections):
                target = node.targets[0]
                if isinstance(target, ast.Tuple) and len(target.elts) == 2:
                    profile, config = target.elts
                    if isinstance(profile, ast.Name) and profile.id != "_":
                        bound[profile.id] = "profile"
                    if isinstance(config, ast.Name):
                        bound[config.id] = sections[call.args[0].id]
    aliases = set()
    for node in ast.walk(tree):  # aliases of a part, ft = cfg.finetune: what counts is what is read through ft
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            key = _dotted(node.value, bound)
            if key and isinstance(node.value, ast.Attribute):
                bound[node.targets[0].id] = key
                aliases.add(node.value)
    read: set[str] = set()
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in bound and isinstance(node.ctx, ast.Load):
            outer = node
            while isinstance(parents.get(outer), ast.Attribute):
                outer = parents[outer]
            if outer not in aliases:
                read.add(_dotted(outer, bound))
    return read


def _dotted(node: ast.AST, bound: dict[str, str]) -> str | None:
    """``cfg.finetune.tau`` -> "orw.finetune.tau" when ``cfg`` is bound to "orw"; None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in bound:
        return None
    return ".".join([bound[node.id], *reversed(parts)])


def _stage_commands(dvc_file: Path) -> dict[str, str]:
    """Each stage's command with dvc.yaml's own ``vars`` (``${run}``) filled in."""
    spec = yaml.safe_load(dvc_file.read_text())
    variables = {key: str(value) for entry in spec.get("vars", []) if isinstance(entry, dict)
                 for key, value in entry.items()}
    commands = {}
    for name, stage in spec["stages"].items():
        cmd = " ".join(stage["cmd"]) if isinstance(stage["cmd"], list) else stage["cmd"]
        commands[name] = re.sub(r"\$\{(\w+)\}", lambda m: variables.get(m.group(1), m.group(0)), cmd)
    return commands


def rewritten(dvc_file: Path, root: Path) -> str:
    """dvc.yaml's text with each stage's ``replication/`` deps replaced by its computed closure.

    A stage's deps list is written as: the notebook it runs, the computed code deps, then every other dep as it was.
    """
    commands = _stage_commands(dvc_file)
    out: list[str] = []
    stage, deps = None, None
    for line in [*dvc_file.read_text().splitlines(), ""]:
        item = re.match(r"^      - (\S+)\s*$", line)
        if deps is not None and item:
            deps.append(item.group(1))
            continue
        if deps is not None:  # the deps block ended: write it back in order
            code = stage_code_deps(commands[stage], root)
            kept = [dep for dep in deps if not dep.startswith(PACKAGE + "/")]
            ordered = [d for d in kept if NOTEBOOK.fullmatch(d)] + code + [d for d in kept if not NOTEBOOK.fullmatch(d)]
            out += [f"      - {dep}" for dep in ordered]
            deps = None
        header = re.match(r"^  ([\w@.-]+):\s*(#.*)?$", line)
        if header:
            stage = header.group(1)
        out.append(line)
        if stage and re.match(r"^    deps:\s*$", line):
            deps = []
    return "\n".join(out[:-1]) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path.cwd()
    text = rewritten(DVC_FILE, root)
    if "--check" in args:
        if text != DVC_FILE.read_text():
            print("dvc.yaml's code deps are out of date: run `make deps`", file=sys.stderr)
            return 1
        return 0
    DVC_FILE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
