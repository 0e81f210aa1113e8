"""One typed config per experiment, mirroring its section of ``params.yaml`` key for key.

``load(section)`` is what a notebook calls; ``validate_all`` is what the stage runner calls before any compute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replication.pipeline.params import (
    DEFAULT_PARAMS_FILE,
    PROFILES,
    ConfigError,
    StrictConfig,
    read_params,
    selected_profile,
    validate_section,
)
from replication.configs.adrpo_flow import ADRPOFlowConfig
from replication.configs.adrpo_llm import ADRPOLLMConfig
from replication.configs.cesar import CesarConfig
from replication.configs.orw import ORWConfig
from replication.pipeline.runtime import RuntimeConfig

SECTIONS: dict[str, type[StrictConfig]] = {
    "runtime": RuntimeConfig,
    "orw": ORWConfig,
    "adrpo_flow": ADRPOFlowConfig,
    "adrpo_llm": ADRPOLLMConfig,
    "cesar": CesarConfig,
}


def validate_all(params: dict[str, Any]) -> None:
    """Validate every section of params.yaml under every profile; raise ConfigError naming each bad key."""
    allowed = {"profile", *SECTIONS}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ConfigError(f"unknown top-level key(s) {unknown}; allowed: {', '.join(sorted(allowed))}")
    selected_profile(params)
    for section, model in SECTIONS.items():
        if section not in params:
            raise ConfigError(f"{section}: section is missing from params.yaml")
        for profile in PROFILES:
            validate_section(model, params[section], section, profile)


def load(section: str, params_file: str | Path = DEFAULT_PARAMS_FILE) -> tuple[str, StrictConfig]:
    """Return ``(profile, config)`` for one experiment, validated for the profile params.yaml selects."""
    if section not in SECTIONS:
        raise ConfigError(f"unknown section {section!r}; allowed: {', '.join(SECTIONS)}")
    params = read_params(params_file)
    profile = selected_profile(params)
    return profile, validate_section(SECTIONS[section], params.get(section), section, profile)
