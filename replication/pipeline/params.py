"""Reading and validating ``params.yaml``: one typed config per experiment, loud errors.

``params.yaml`` is flat: it holds exactly the values of the selected profile, composed from ``conf/`` by DVC's
Hydra integration (``replication.pipeline.profiles``), so what DVC tracks is what a stage reads.

Validation is strict (nanoGPT's rule: an unknown key or a wrong type is an error, never silently ignored) and
every error names the dotted key and what is allowed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

PROFILES = ("tiny", "smoke", "paper")
DEFAULT_PARAMS_FILE = "params.yaml"


class ConfigError(ValueError):
    """A problem in params.yaml, with the dotted key it concerns and what is allowed."""


class StrictConfig(BaseModel):
    """Base of every config: unknown keys and wrong types raise, values never change after loading."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SectionConfig(StrictConfig):
    """A top-level section of params.yaml; ``SECTION`` is its key there."""

    SECTION: ClassVar[str]


Config = TypeVar("Config", bound=StrictConfig)


def read_params(path: str | Path = DEFAULT_PARAMS_FILE) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"parameter file {path} not found (run from the repository root)")
    with path.open() as handle:
        params = yaml.safe_load(handle)
    if not isinstance(params, dict):
        raise ConfigError(f"{path} must hold a mapping of keys to values, got {type(params).__name__}")
    return params


def validate_section(model: type[Config], raw: Any, section: str) -> Config:
    """Validate one section, turning pydantic's errors into one ConfigError that names every bad key."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{section}: expected a mapping of keys to values, got {raw!r}")
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        lines = [_describe(model, section, detail) for detail in error.errors()]
        raise ConfigError("params.yaml:\n  " + "\n  ".join(lines)) from None


def _describe(model: type[StrictConfig], section: str, detail: dict) -> str:
    location = tuple(str(part) for part in detail["loc"])
    key = ".".join((section, *location))
    if detail["type"] == "extra_forbidden":
        allowed = ", ".join(_fields_at(model, location[:-1])) or "none"
        return f"{key}: unknown key; allowed here: {allowed}"
    if detail["type"] == "missing":
        return f"{key}: required key is missing"
    return f"{key}: {detail['msg']} (got {detail.get('input')!r})"


def _fields_at(model: type[StrictConfig], location: tuple[str, ...]) -> list[str]:
    current: Any = model
    for part in location:
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = field.annotation
    return sorted(getattr(current, "model_fields", {}))


def selected_profile(params: dict[str, Any]) -> str:
    profile = params.get("profile")
    if profile not in PROFILES:
        raise ConfigError(f"profile: {profile!r} is not allowed; allowed: {', '.join(PROFILES)}")
    return profile


def snapshot(config: StrictConfig, path: str | Path) -> None:
    """Save the resolved config beside a stage's outputs (sorted keys, so reruns write the same bytes)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(config.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")
