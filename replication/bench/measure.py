"""What the paper-scale check measures per step and per run: time, work, FLOPs, memory, and a fingerprint of the
trained weights that two runs with the same seed must share.

- Time: wall-clock seconds between the start and the end of a step, the device synchronised at both ends.
- FLOPs: ``torch.utils.flop_counter.FlopCounterMode`` over one whole step (the last of each run, which is
  therefore not timed): every matrix multiplication, convolution and attention kernel that step executed,
  forward and backward, generation and reference passes included (elementwise work is not counted; attention is
  counted as the full, non-causal score matrix, as torch's formula does). They are the FLOPs actually run, so
  activation recomputation counts too: the "MFU" below is closer to hardware FLOPs utilisation than to "6 N"
  model FLOPs.
- MFU: FLOPs per step / (seconds per step x the GPU's peak dense bf16 FLOP/s).
- Memory: ``torch.cuda.max_memory_allocated`` over a run (the allocator's peak, without its cached slack).
- Determinism: two runs with the same seed agree when every logged metric of every step and the fingerprint of
  the trained parameters are identical. They run under ``torch.use_deterministic_algorithms(True)``, strict, as
  every pipeline stage does (``seed_everything``). Strict mode raises at an op that has no deterministic kernel;
  the case is then measured again in warn-only mode, which runs such ops (and names them), so the row still gets
  its numbers. Warn-only is not the first choice because it also keeps non-deterministic variants of kernels
  that do have a deterministic one (memory-efficient attention's backward, for one).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import math
import statistics
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import TrainerCallback

# Peak dense (no 2:4 sparsity) bf16 tensor-core FLOP/s from NVIDIA's datasheets, by device-name substring; the
# first match wins, so the more specific names come first.
PEAK_BF16_FLOPS = (
    ("H200 NVL", 835e12),
    ("H200", 989e12),
    ("H100 NVL", 835e12),
    ("H100 PCIe", 756e12),
    ("H100", 989e12),
    ("A100", 312e12),
)
STEP_KINDS = ("warmup", "timed", "counted")
NOT_DETERMINISTIC = "does not have a deterministic implementation"  # torch's words, strict error or warning


def peak_bf16_flops(device_name: str) -> float | None:
    """The datasheet peak for ``device_name`` (``torch.cuda.get_device_name()``), None when unknown."""
    for key, flops in PEAK_BF16_FLOPS:
        if key in device_name:
            return flops
    return None


def mfu(flops_per_step: float, seconds_per_step: float, peak_flops: float) -> float:
    """Model FLOPs utilisation: achieved FLOP/s over peak, ``flops / seconds / peak``."""
    if seconds_per_step <= 0 or peak_flops <= 0:
        raise ValueError(f"seconds ({seconds_per_step}) and peak FLOP/s ({peak_flops}) must be > 0")
    return flops_per_step / seconds_per_step / peak_flops


_INT_OF_WIDTH = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}
_CHUNK = 1 << 24


def fingerprint(tensors: Iterable[torch.Tensor]) -> str:
    """A checksum of the exact bits of ``tensors``, in order, computed where they live (no copy to the host).

        s_k = sum_i bits(t_k)_i * (i mod 65521 + 1)     (integer arithmetic, wrapping at 2^64)

    and the hex SHA-256 of every tensor's (shape, dtype, s_k). Integer sums do not depend on the reduction order,
    so the checksum itself is deterministic on any device; equal tensors give equal strings, and a changed bit
    changes its s_k (the position weights are never 0).
    """
    digest = hashlib.sha256()
    for tensor in tensors:
        flat = tensor.detach().contiguous().reshape(-1)
        bits = flat.view(_INT_OF_WIDTH[flat.element_size()])
        total = 0
        for start in range(0, bits.numel(), _CHUNK):
            chunk = bits[start:start + _CHUNK].to(torch.int64)  # (n,)
            weights = torch.arange(start, start + chunk.numel(), device=chunk.device, dtype=torch.int64) % 65521 + 1
            total += int((chunk * weights).sum().item())
        digest.update(f"{tuple(tensor.shape)}|{tensor.dtype}|{total % 2**64};".encode())
    return digest.hexdigest()[:16]


def step_kinds(warmup: int, timed: int, counted: int = 1) -> list[str]:
    """One run's steps in order: warm-up (untimed: allocator, kernels' first calls), timed, FLOP-counted."""
    if warmup < 0 or timed < 1 or counted < 0:
        raise ValueError(f"need warmup >= 0, timed >= 1, counted >= 0; got {warmup}, {timed}, {counted}")
    return ["warmup"] * warmup + ["timed"] * timed + ["counted"] * counted


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class StepMeter:
    """Times each step of one run, records the work it did (images or tokens), and counts the FLOPs of the
    steps whose kind is "counted". ``end`` returns True once ``deadline`` (a ``time.monotonic()`` value) has
    passed, so a caller can stop the run there."""

    def __init__(self, kinds: list[str], device: torch.device, deadline: float | None = None):
        unknown = sorted(set(kinds) - set(STEP_KINDS))
        if unknown:
            raise ValueError(f"unknown step kinds {unknown}; allowed: {', '.join(STEP_KINDS)}")
        self.kinds, self.device, self.deadline = kinds, device, deadline
        self.seconds: list[float] = []
        self.work: list[float] = []
        self.flops: list[int] = []
        self._counter: FlopCounterMode | None = None
        self._start = 0.0

    def begin(self) -> None:
        step = len(self.seconds)
        if step >= len(self.kinds):
            raise RuntimeError(f"step {step + 1} begun but the run has {len(self.kinds)} steps")
        synchronize(self.device)
        if self.kinds[step] == "counted":
            self._counter = FlopCounterMode(display=False)
            self._counter.__enter__()
        self._start = time.perf_counter()

    def end(self, work: float) -> bool:
        synchronize(self.device)
        self.seconds.append(time.perf_counter() - self._start)
        self.work.append(float(work))
        if self._counter is not None:
            self._counter.__exit__(None, None, None)
            self.flops.append(int(self._counter.get_total_flops()))
            self._counter = None
        return self.deadline is not None and time.monotonic() > self.deadline

    def close(self) -> None:
        """Leave the FLOP counter if a step failed inside it (it would otherwise stay on the dispatch stack)."""
        if self._counter is not None:
            self._counter.__exit__(None, None, None)
            self._counter = None


class MeterCallback(TrainerCallback):
    """A ``StepMeter`` around each optimisation step of a Hugging Face / TRL trainer. GRPO's rollout (generation,
    rewards, reference log-probs) happens inside the step, so it is timed and counted with the update; the work is
    the prompt and completion tokens TRL adds to ``state.num_input_tokens_seen`` during the step."""

    def __init__(self, meter: StepMeter):
        self.meter = meter
        self._tokens_before = 0

    def on_step_begin(self, args, state, control, **kwargs):
        self._tokens_before = state.num_input_tokens_seen
        self.meter.begin()

    def on_step_end(self, args, state, control, **kwargs):
        if self.meter.end(state.num_input_tokens_seen - self._tokens_before):
            control.should_training_stop = True


@contextlib.contextmanager
def deterministic_algorithms(strict: bool = True) -> Iterator[set[str]]:
    """Deterministic algorithms on for the block (``strict=False``: warn-only); yields the set that collects the
    names of the ops that ran without a deterministic implementation (warn-only mode). The previous settings are
    restored afterwards."""
    previous = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
                torch.backends.cudnn.benchmark)
    torch.use_deterministic_algorithms(True, warn_only=not strict)
    torch.backends.cudnn.benchmark = False
    ops: set[str] = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield ops
        finally:
            for warning in caught:
                text = str(warning.message)
                if NOT_DETERMINISTIC in text:
                    ops.add(text.split(NOT_DETERMINISTIC)[0].strip())
            torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])
            torch.backends.cudnn.benchmark = previous[2]


def reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def release(device: torch.device) -> None:
    """Free what the last run left behind (its trainer, activations, the allocator's cache)."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def peak_memory(device: torch.device) -> int | None:
    return torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None


@dataclass
class RunRecord:
    """One run of one case: what was measured, and what the other run with the same seed must reproduce."""

    kinds: list[str]
    seconds: list[float]
    work: list[float]
    flops: list[int]
    metrics: list[dict[str, float]]  # per step, the trainer's logged numbers (loss, reward, KL, grad norm, ...)
    fingerprint: str  # of the trained parameters after the run
    peak_memory_bytes: int | None
    nondeterministic_ops: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.seconds) == len(self.kinds)


@dataclass
class Row:
    """One line of the table."""

    case: str
    model: str
    batch: str
    params: int
    trainable: int
    status: str = "ok"
    seconds_per_step: float | None = None
    peak_memory_gib: float | None = None
    throughput: float | None = None
    throughput_unit: str = ""
    tflop_per_step: float | None = None
    mfu: float | None = None
    deterministic: bool | None = None
    notes: str = ""


def agreement(a: RunRecord, b: RunRecord) -> tuple[bool, str]:
    """Whether two runs with the same seed gave bit-identical metrics and trained weights, and where they differ."""
    if not (a.complete and b.complete):
        return False, "a run stopped early (deadline): nothing to compare"
    for step, (ma, mb) in enumerate(zip(a.metrics, b.metrics), start=1):
        differing = sorted(k for k in set(ma) | set(mb) if not _same(ma.get(k), mb.get(k)))
        if differing:
            return False, f"step {step} differs in {', '.join(differing[:4])}"
    if len(a.metrics) != len(b.metrics):
        return False, f"{len(a.metrics)} vs {len(b.metrics)} logged steps"
    if a.fingerprint != b.fingerprint:
        return False, "metrics equal, trained weights differ"
    return True, ""


def _same(x, y) -> bool:
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    return x == y


def two_runs(run_once, deadline: float) -> list[RunRecord]:
    """A run and its repeat with the same seed (``run_once()`` twice); no repeat once the deadline has passed."""
    first = run_once()
    if not first.complete or time.monotonic() > deadline:
        return [first]
    return [first, run_once()]


def measured_runs(run_once, deadline: float, release=lambda: None) -> tuple[list[RunRecord], str]:
    """``two_runs`` of ``run_once(strict=True)``; if strict deterministic mode raises at an op without a
    deterministic kernel, ``two_runs`` of ``run_once(strict=False)`` instead, with a note naming the op.
    ``release`` frees what the failed run left (called between the two attempts)."""
    try:
        return two_runs(lambda: run_once(strict=True), deadline), ""
    except RuntimeError as error:
        if NOT_DETERMINISTIC not in str(error):
            raise
        op = str(error).split(NOT_DETERMINISTIC)[0].strip()
    release()
    note = f"strict deterministic mode raised at {op}; measured with warn_only=True"
    return two_runs(lambda: run_once(strict=False), deadline), note


def summarize(row: Row, runs: list[RunRecord], unit: str, peak_flops: float | None, note: str = "") -> Row:
    """Fill ``row``'s measurements from the runs: time and throughput over the timed steps of every run, FLOPs
    from the counted steps, the peak memory of the worst run, and whether the first two runs agree."""
    seconds = [s for run in runs for s, kind in zip(run.seconds, run.kinds) if kind == "timed"]
    work = [w for run in runs for w, kind in zip(run.work, run.kinds) if kind == "timed"]
    flops = [f for run in runs for f in run.flops]
    peaks = [run.peak_memory_bytes for run in runs if run.peak_memory_bytes is not None]
    row.throughput_unit = unit
    if seconds:
        row.seconds_per_step = statistics.fmean(seconds)
        row.throughput = statistics.fmean(work) / row.seconds_per_step
    if peaks:
        row.peak_memory_gib = max(peaks) / 2**30
    if flops:
        row.tflop_per_step = statistics.fmean(flops) / 1e12
        if peak_flops and row.seconds_per_step:
            row.mfu = mfu(statistics.fmean(flops), row.seconds_per_step, peak_flops)
    notes = [note] if note else []
    if len(runs) >= 2:
        row.deterministic, why = agreement(runs[0], runs[1])
        notes += [why] if why else []
    ops = sorted({op for run in runs for op in run.nondeterministic_ops})
    if ops:
        notes.append("ran without a deterministic kernel: " + "; ".join(ops))
    if len(runs) < 2 or any(not run.complete for run in runs):
        row.status = "stopped at the deadline"
    row.notes = " | ".join(notes)
    return row
