"""Where and in which precision a stage computes: ``params.yaml``'s ``runtime`` section.

All random numbers are drawn from CPU generators and then moved, so a CUDA run consumes the same random stream
as a CPU run; bf16 enters only through autocast (weights and optimiser state stay float32).

Several GPUs: the training loops go through ``accelerate`` (data parallel). Run a stage's notebook source under
``accelerate launch --num_processes N -m replication.pipeline.run_script notebooks/NN-slug.py -p ...``; in a
single process (every ``dvc repro`` stage, CPU included) ``accelerate`` changes nothing.
"""

from __future__ import annotations

import contextlib

import torch
from accelerate import Accelerator, PartialState

from replication.configs.runtime import RuntimeConfig
from replication.pipeline.params import ConfigError


def resolve_device(runtime: RuntimeConfig) -> torch.device:
    """This process's device (``cuda:<local rank>`` under ``accelerate launch``)."""
    if runtime.device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("runtime.device: 'cuda' was asked for but torch sees no CUDA device; allowed here: cpu")
    if runtime.dtype == "bfloat16" and runtime.device != "cuda":
        raise ConfigError("runtime.dtype: bfloat16 is supported with runtime.device cuda only; use float32 on cpu")
    return PartialState(cpu=runtime.device == "cpu").device


def make_accelerator(runtime: RuntimeConfig, generator: torch.Generator) -> Accelerator:
    """An Accelerator for the training loops; with several processes each one's ``generator`` is re-seeded apart
    (rank 0 keeps its stream, so one process reproduces a single-process run)."""
    resolve_device(runtime)  # validates the runtime first
    accelerator = Accelerator(cpu=runtime.device == "cpu")
    if accelerator.process_index > 0:
        generator.manual_seed(generator.initial_seed() + 1_000_003 * accelerator.process_index)
    return accelerator


def autocast(runtime: RuntimeConfig) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA when asked for, otherwise a no-op context."""
    if runtime.dtype == "bfloat16":
        return torch.autocast(device_type=runtime.device, dtype=torch.bfloat16)
    return contextlib.nullcontext()
