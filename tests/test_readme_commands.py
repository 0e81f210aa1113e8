"""Every command the README shows names something that exists, from a shell with no environment activated.

The commands themselves run elsewhere (the smoke pipeline runs `make figures`, `dvc exp run -S`, `dvc status`,
`dvc metrics show` and `make publish` with such a PATH); here each line of the README's shell blocks is checked
cheaply: make targets exist (`make -n`), DVC subcommands parse (`--help`), modules and files are there.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PLAIN_PATH = "/usr/local/bin:/usr/bin:/bin"


def readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (REPO / "README.md").read_text(), flags=re.S)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, env={**os.environ, "PATH": PLAIN_PATH}, capture_output=True, text=True,
                          timeout=120)


def check(command: list[str]) -> None:
    program, *args = command
    if program == "make":
        targets = [a for a in args if "=" not in a]
        assert run(["make", "-n", "-o", ".venv/.installed", *targets]).returncode == 0, f"make {targets}"
    elif program == ".venv/bin/dvc":
        overrides = [args[i + 1] for i, a in enumerate(args) if a == "-S"]
        if overrides:
            check_overrides(overrides)
        subcommand = [a for a in args if not a.startswith("-")][:2]
        result = run([program, *subcommand[: 2 if subcommand[:1] in (["exp"], ["plots"], ["metrics"]) else 1], "--help"])
        assert result.returncode == 0, result.stderr
    elif program == ".venv/bin/python" and args[:1] == ["-m"]:
        assert importlib.util.find_spec(args[1]) is not None, args[1]
        assert all((REPO / a).exists() for a in args[2:] if a.startswith("notebooks/")), args
    elif program == "source":
        assert (REPO / args[0]).is_file()
    elif program == "bash":
        assert (REPO / args[0]).is_file()
    else:
        pytest.fail(f"the README shows a command this test does not know how to check: {shlex.join(command)}")


def check_overrides(overrides: list[str]) -> None:
    """`dvc exp run -S key=value` as the README types it: the key exists and the composed params validate."""
    import tempfile

    from replication.configs.validate import validate_all
    from replication.pipeline.params import read_params
    from replication.pipeline.profiles import compose_params

    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "params.yaml"
        compose_params("tiny", output, overrides=tuple(overrides), conf_dir=REPO / "conf")
        validate_all(read_params(output))


@pytest.mark.parametrize("line", readme_commands())
def test_readme_command_names_what_exists(line):
    for part in re.split(r"\s*&&\s*", line):
        check(shlex.split(part))


@pytest.mark.parametrize("override", ["orw.finetune.temperature=0.5", "orw.finetune.tau=-1"])
def test_a_wrong_override_is_caught(override):
    with pytest.raises(Exception, match="temperature|tau"):
        check_overrides([override])
