"""Reading and validating ``params.yaml``: one typed config per experiment, loud errors, profile overlays.

``params.yaml`` holds the ``tiny`` profile's values. Any mapping in it may carry overlays named after the other
profiles (``smoke:``, ``paper:``) whose keys replace the mapping's own when that profile is selected::

    base:
      steps: 1500
      smoke: {steps: 20}

Validation is strict (nanoGPT's rule: an unknown key or a wrong type is an error, never silently ignored) and
runs for every profile, so a typo in the ``paper`` overlay is caught on a CPU run.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

PROFILES = ("tiny", "smoke", "paper")
DEFAULT_PARAMS_FILE = "params.yaml"


class ConfigError(ValueError):
    """A problem in params.yaml, with the dotted key it concerns and what is allowed."""


class StrictConfig(BaseModel):
    """Base of every config: unknown keys and wrong types raise, values never change after loading."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


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


def apply_profile(node: Any, profile: str) -> Any:
    """Return ``node`` with every profile overlay resolved for ``profile`` (other profiles' overlays dropped)."""
    if profile not in PROFILES:
        raise ConfigError(f"profile: {profile!r} is not allowed; allowed: {', '.join(PROFILES)}")
    if not isinstance(node, dict):
        return node
    resolved = {key: apply_profile(value, profile) for key, value in node.items() if key not in PROFILES}
    overlay = node.get(profile)
    if overlay is None:
        return resolved
    if not isinstance(overlay, dict):
        raise ConfigError(f"the {profile!r} overlay must be a mapping of keys to values, got {overlay!r}")
    return _deep_merge(resolved, apply_profile(overlay, profile))


def _deep_merge(base: dict, overlay: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validate_section(model: type[Config], raw: Any, section: str, profile: str) -> Config:
    """Validate one experiment's section for one profile, turning pydantic's errors into ConfigErrors."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{section}: expected a mapping of keys to values, got {raw!r}")
    try:
        return model.model_validate(apply_profile(raw, profile))
    except ValidationError as error:
        lines = [_describe(model, section, detail) for detail in error.errors()]
        raise ConfigError(f"params.yaml (profile {profile!r}):\n  " + "\n  ".join(lines)) from None


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
    profile = params.get("profile", "tiny")
    if profile not in PROFILES:
        raise ConfigError(f"profile: {profile!r} is not allowed; allowed: {', '.join(PROFILES)}")
    return profile


def snapshot(config: StrictConfig, path: str | Path) -> None:
    """Save the resolved config beside a stage's outputs (sorted keys, so reruns write the same bytes)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(config.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")
