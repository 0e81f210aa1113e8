"""One typed config per experiment, mirroring its section of ``params.yaml`` key for key.

A notebook imports the config class it needs and calls ``load`` (only that experiment's module is imported, so
a stage depends on its own config and no other); ``replication.configs.validate`` checks the whole file.
"""

from __future__ import annotations

from pathlib import Path

from replication.pipeline.params import (
    DEFAULT_PARAMS_FILE,
    Config,
    read_params,
    selected_profile,
    validate_section,
)


def load(config: type[Config], params_file: str | Path = DEFAULT_PARAMS_FILE) -> tuple[str, Config]:
    """Return ``(profile, section)``: the selected profile and ``config.SECTION`` of params.yaml, validated."""
    params = read_params(params_file)
    return selected_profile(params), validate_section(config, params.get(config.SECTION), config.SECTION)
