"""figures/README.md: the report every figure stage contributes one section to."""

from __future__ import annotations

from pathlib import Path

# One fragment per experiment, in reading order; each is written by that experiment's figures stage.
SECTIONS = ["orw", "adrpo_flow", "adrpo_llm", "cesar"]

HEADER = """# Figures

Rebuilt by `dvc repro` (`make figures`); every number below was computed from this checkout's runs by the
figure stages, on the profile named in each section. Paper numbers come from ../shared/PAPERS.md (values the
papers publish or that were read off their plots). Where this small scale disagrees with a paper, the text says so.

"""


def assemble_report(fragment_dir: str | Path, sections: list[str] = SECTIONS) -> str:
    fragments = []
    for name in sections:
        path = Path(fragment_dir) / f"{name}.md"
        if not path.is_file():
            raise FileNotFoundError(f"{path} missing: run the figures stage of the {name!r} experiment")
        fragments.append(path.read_text().strip() + "\n")
    return HEADER + "\n".join(fragments)
