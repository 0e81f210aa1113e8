"""Where one paper-scale check runs: device and precision, its deadline, the GPU's peak, a scratch folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from replication.configs.runtime import RuntimeConfig


@dataclass(frozen=True)
class CheckEnv:
    runtime: RuntimeConfig  # cuda + bfloat16 on the GPU; cpu + float32 for the CPU test at tiny sizes
    deadline: float  # time.monotonic() after which no case starts and running ones stop after their step
    peak_flops: float | None  # dense bf16 FLOP/s of the GPU; None: MFU is not computed
    workdir: Path  # checkpoints saved for the trainers that load from a path
    seed: int = 0

    @property
    def device(self) -> torch.device:
        return torch.device("cuda" if self.runtime.device == "cuda" else "cpu")
