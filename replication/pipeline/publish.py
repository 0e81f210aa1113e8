"""Results you can read without running: ``python -m replication.pipeline.publish`` (``make publish``).

Copies the pipeline's figures and report (``figures/``, whose README.md is the report) into ``docs/results/``
(committed, small files only) and renders one executed copy of every notebook to HTML in
``docs/results/notebooks/``, after checking that each source is what ``dvc.lock`` says it is. The
manifest ``docs/results/manifest.json`` stamps every published file with the path and the ``dvc.lock`` hash
of what it came from; ``tests/test_published_results.py`` fails when the committed files and the committed
``dvc.lock`` disagree (so results and lock file are committed together).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

RESULTS = Path("docs/results")
LOCK = Path("dvc.lock")
PUBLISHED_SUFFIXES = {".png", ".md"}
STYLE = """body { font: 15px/1.5 system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; }
.jp-InputArea, .input_area { background: #f6f8fa; border-radius: 4px; padding: 0.2rem 0.6rem; }
pre { white-space: pre-wrap; font: 13px/1.4 ui-monospace, monospace; margin: 0.3rem 0; }
img { max-width: 100%; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
.jp-OutputArea-output pre, .output_text pre { color: #333; }
"""


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def pipeline_stages() -> set[str]:
    """The stage names dvc.yaml defines now, matrix stages expanded."""
    listing = subprocess.run([str(Path(sys.executable).with_name("dvc")), "stage", "list", "--name-only"],
                             check=True, capture_output=True, text=True).stdout
    return set(listing.split())


def locked_outputs(lock_file: Path = LOCK, stages: set[str] | None = None) -> dict[str, str]:
    """Every file output dvc.lock records, path -> md5; with ``stages``, only theirs (DVC keeps the entries of
    stages a sweep no longer has, and their files may still lie in the workspace)."""
    locked = yaml.safe_load(lock_file.read_text())["stages"]
    return {out["path"]: out["md5"] for name, stage in locked.items() for out in stage.get("outs", [])
            if not out["md5"].endswith(".dir") and (stages is None or name in stages)}


def published_sources(outputs: dict[str, str], results: Path = RESULTS) -> dict[str, str]:
    """docs/results path -> pipeline output: ``figures/`` as it is (the report is its README.md), one HTML per
    notebook source (for a sweep, its first run in sorted order)."""
    chosen: dict[str, str] = {}
    for path in sorted(outputs):
        source = Path(path)
        if source.parts[0] == "figures" and source.suffix in PUBLISHED_SUFFIXES:
            chosen[(results / source.name).as_posix()] = path
        elif source.parts[0] == "executed" and source.suffix == ".ipynb":
            notebook = source.parts[1].removesuffix(".ipynb")  # executed/13-orw-finetune/<run>.ipynb -> 13-...
            chosen.setdefault((results / "notebooks" / f"{notebook}.html").as_posix(), path)
    return chosen


def render_html(executed: Path, title: str) -> str:
    import nbformat
    from nbconvert import HTMLExporter
    from pygments.formatters import HtmlFormatter

    body, _ = HTMLExporter(template_name="basic").from_notebook_node(nbformat.read(executed, as_version=4))
    css = STYLE + HtmlFormatter().get_style_defs(".highlight")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<style>{css}</style></head>\n<body>\n{body}\n</body></html>\n")


def publish(results: Path = RESULTS, lock_file: Path = LOCK) -> dict[str, dict[str, str]]:
    outputs = locked_outputs(lock_file, pipeline_stages())
    sources = published_sources(outputs, results)
    stale = [source for source in sources.values() if not Path(source).is_file() or md5(Path(source)) != outputs[source]]
    if stale:
        raise SystemExit(f"not published: {len(stale)} outputs differ from dvc.lock (run `make figures`): {stale[:5]}")
    if results.exists():
        shutil.rmtree(results)
    manifest = {}
    for target, source in sorted(sources.items()):
        target_path = Path(target)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        if target_path.suffix == ".html":
            target_path.write_text(render_html(Path(source), target_path.stem))
        else:
            shutil.copyfile(source, target_path)
        manifest[target] = {"source": source, "md5": outputs[source]}
    (results / "notebooks" / "README.md").write_text(_notebook_index(sources))
    (results / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def check_published(results: Path = RESULTS, lock_file: Path = LOCK) -> list[str]:
    """What disagrees between ``results`` and ``dvc.lock`` (empty when the published results are current)."""
    manifest_file = results / "manifest.json"
    if not manifest_file.is_file():
        return [f"{manifest_file} is missing: run `make publish`"]
    manifest = json.loads(manifest_file.read_text())
    outputs = locked_outputs(lock_file)
    expected = published_sources(outputs, results)
    problems = [f"{target}: not published" for target in sorted(set(expected) - set(manifest))]
    problems += [f"{target}: published but no longer a pipeline output" for target in sorted(set(manifest) - set(expected))]
    for target, entry in sorted(manifest.items()):
        if outputs.get(entry["source"]) != entry["md5"]:
            problems.append(f"{target}: made from {entry['source']} at {entry['md5']}, dvc.lock has {outputs.get(entry['source'])}")
        if not Path(target).is_file():
            problems.append(f"{target}: listed in the manifest but missing")
        elif not target.endswith(".html") and md5(Path(target)) != entry["md5"]:
            problems.append(f"{target}: differs from the {entry['source']} that dvc.lock records")
    listed = {Path(t) for t in manifest} | {manifest_file, results / "notebooks" / "README.md"}
    problems += [f"{path}: not in the manifest" for path in sorted(results.rglob("*")) if path.is_file() and path not in listed]
    return problems


def _notebook_index(sources: dict[str, str]) -> str:
    lines = ["# The executed notebooks", "", "Each tutorial as `dvc repro` ran it (for a sweep, one of its runs).", ""]
    for target in sorted(t for t in sources if t.endswith(".html")):
        lines.append(f"- [{Path(target).stem}]({Path(target).name}) (`{sources[target]}`)")
    return "\n".join(lines) + "\n"


def main() -> int:
    if sys.argv[1:] == ["--check"]:
        problems = check_published()
        print("\n".join(problems) or f"{RESULTS}/ matches dvc.lock")
        return 1 if problems else 0
    manifest = publish()
    print(f"published {len(manifest)} files into {RESULTS}/, stamped with dvc.lock's hashes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
