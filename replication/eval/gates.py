"""Preconditions as gates: a measured value, the window it must lie in, written to a stage's metrics; the stages
that rely on it read it back and refuse to start, saying why, when it failed.

A gate's metrics are flat numbers (DVC metrics): ``<name>`` the measured value, ``<name>_min`` and ``<name>_max``
the window [min, max), ``<name>_passed`` 1 or 0.
"""

from __future__ import annotations

import json
from pathlib import Path


class GateFailed(RuntimeError):
    """A precondition measured upstream failed: the stage that needs it does not start."""


def gate_metrics(name: str, value: float, low: float, high: float) -> dict[str, float]:
    """passed = 1 when low <= value < high, else 0; with the window, under ``name``."""
    if not low < high:
        raise ValueError(f"gate {name}: empty window [{low}, {high})")
    return {name: value, f"{name}_min": low, f"{name}_max": high, f"{name}_passed": int(low <= value < high)}


def require_gate(path: str | Path, name: str, remedy: str) -> float:
    """The gate's value from the metrics file ``path``; raises GateFailed (with ``remedy``) when it did not pass."""
    path = Path(path)
    if not path.is_file():
        raise GateFailed(f"gate {name}: {path} is missing; run the stage that measures it first")
    metrics = json.loads(path.read_text())
    missing = [key for key in (name, f"{name}_min", f"{name}_max", f"{name}_passed") if key not in metrics]
    if missing:
        raise GateFailed(f"gate {name}: {path} lacks {missing}")
    if metrics[f"{name}_passed"] != 1:
        raise GateFailed(
            f"gate {name} failed: measured {metrics[name]:.3f}, required in [{metrics[f'{name}_min']:g}, "
            f"{metrics[f'{name}_max']:g}) ({path}). Fine-tuning on this model would produce noise, not evidence, "
            f"so this stage does not start. {remedy}"
        )
    return float(metrics[name])


def describe_gate(metrics: dict[str, float], name: str) -> str:
    """One line: the gate's value, its window and whether it passed."""
    verdict = "passed" if metrics[f"{name}_passed"] == 1 else "FAILED"
    return f"gate {name}: {metrics[name]:.3f}, required in [{metrics[f'{name}_min']:g}, {metrics[f'{name}_max']:g}): {verdict}"
