"""Check the whole of params.yaml before any stage runs: ``python -m replication.configs.validate [PARAMS] [STAMP]``.

The ``params`` stage of dvc.yaml runs this, and every other stage depends on its stamp, so a bad key stops
``dvc repro`` before DVC removes any stage's outputs. The stamp's text never changes: a valid edit of
params.yaml reruns only the stages whose own parameters changed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from replication.configs.adrpo_flow import ADRPOFlowConfig
from replication.configs.adrpo_llm import ADRPOLLMConfig
from replication.configs.cesar import CesarConfig
from replication.configs.orw import ORWConfig
from replication.configs.runtime import RuntimeConfig
from replication.pipeline.params import (
    DEFAULT_PARAMS_FILE,
    ConfigError,
    read_params,
    selected_profile,
    validate_section,
)

SECTIONS = (RuntimeConfig, ORWConfig, ADRPOFlowConfig, ADRPOLLMConfig, CesarConfig)
STAMP = Path("artifacts/params.ok")
STAMP_TEXT = "params.yaml is valid\n"


def validate_all(params: dict[str, Any]) -> None:
    """Validate every section of a flat params mapping; raise ConfigError naming each bad key."""
    allowed = {"profile", *(config.SECTION for config in SECTIONS)}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ConfigError(f"unknown top-level key(s) {unknown}; allowed: {', '.join(sorted(allowed))}")
    selected_profile(params)
    for config in SECTIONS:
        if config.SECTION not in params:
            raise ConfigError(f"{config.SECTION}: section is missing from params.yaml")
        validate_section(config, params[config.SECTION], config.SECTION)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    params_file = Path(args[0] if args else DEFAULT_PARAMS_FILE)
    stamp = Path(args[1]) if len(args) > 1 else STAMP
    try:
        validate_all(read_params(params_file))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(STAMP_TEXT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
