"""Where and in which precision a stage computes: ``params.yaml``'s ``runtime`` section.

All random numbers are drawn from CPU generators and then moved, so a CUDA run consumes the same random stream
as a CPU run; bf16 enters only through autocast (weights and optimiser state stay float32).
"""

from __future__ import annotations

import contextlib
from typing import Literal

import torch

from replication.pipeline.params import ConfigError, StrictConfig


class RuntimeConfig(StrictConfig):
    device: Literal["cpu", "cuda"]
    dtype: Literal["float32", "bfloat16"]
    """Autocast precision of forward passes; bfloat16 needs device cuda."""


def resolve_device(runtime: RuntimeConfig) -> torch.device:
    if runtime.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("runtime.device: 'cuda' was asked for but torch sees no CUDA device; allowed here: cpu")
    if runtime.dtype == "bfloat16" and runtime.device != "cuda":
        raise ConfigError("runtime.dtype: bfloat16 is supported with runtime.device cuda only; use float32 on cpu")
    return torch.device(runtime.device)


def autocast(runtime: RuntimeConfig) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA when asked for, otherwise a no-op context."""
    if runtime.dtype == "bfloat16":
        return torch.autocast(device_type=runtime.device, dtype=torch.bfloat16)
    return contextlib.nullcontext()
