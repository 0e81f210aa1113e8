"""Where and in which precision a stage computes: the typed mirror of ``params.yaml``'s ``runtime`` section."""

from __future__ import annotations

from typing import Literal

from replication.pipeline.params import SectionConfig


class RuntimeConfig(SectionConfig):
    SECTION = "runtime"

    device: Literal["cpu", "cuda"]
    dtype: Literal["float32", "bfloat16"]
    """Autocast precision of forward passes; bfloat16 needs device cuda."""
