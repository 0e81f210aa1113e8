"""The one seeding helper: every stage calls ``seed_everything`` before it touches a random number."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, deterministic: bool = True) -> torch.Generator:
    """Seed Python, NumPy and torch (CPU and CUDA) and return a fresh CPU generator seeded with ``seed``.

    With ``deterministic`` torch refuses non-deterministic kernels; on CUDA that also needs
    ``CUBLAS_WORKSPACE_CONFIG`` set before cuBLAS starts, which is set here when the caller did not.
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=False)
        torch.backends.cudnn.benchmark = False
    return torch.Generator().manual_seed(seed)
