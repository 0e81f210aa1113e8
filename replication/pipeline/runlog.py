"""Per-step metric logs and final metric files, written so that a CPU rerun gives the same bytes."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

FLOAT_DIGITS = 6  # rounding hides nothing real at these scales and keeps files diff-friendly


def _clean(value: Any) -> Any:
    if value is None:
        return ""  # an empty CSV cell: "not measured at this step"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"refusing to log a non-finite value {value}")
        return round(value, FLOAT_DIGITS)
    return value


class MetricsLog:
    """A CSV file with one row per logged step; the header is fixed by the first row.

    The file is created at the first row, so that the processes of a multi-GPU run that never log (all but the
    main one) never truncate it.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._handle = None
        self._writer: csv.DictWriter | None = None

    def log(self, **row: Any) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", newline="")
            self._writer = csv.DictWriter(self._handle, fieldnames=list(row))
            self._writer.writeheader()
        self._writer.writerow({key: _clean(value) for key, value in row.items()})
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> "MetricsLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_metrics(path: str | Path, metrics: dict[str, Any]) -> None:
    """A DVC metrics file: flat JSON, sorted keys, rounded finite floats."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    cleaned = {key: _clean(value) for key, value in metrics.items()}
    Path(path).write_text(json.dumps(cleaned, indent=2, sort_keys=True) + "\n")


def write_text(path: str | Path, text: str) -> Path:
    """Write a text artefact (a report fragment), creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
