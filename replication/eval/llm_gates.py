"""The preconditions of the ADRPO LLM experiment, computed into its metrics before any claim is judged.

- base gate: the SFT base model must solve the probe prompts well above chance and still leave reward to gain;
  the RL stages call ``require`` on it and refuse to start when it fails;
- plateau gate: some fixed-beta GRPO run must show the problem ADRPO claims to fix, a reward that stopped rising
  below what the policy can reach (the figures stage computes it from the runs and reports it beside the verdict).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from replication.eval.stats import Interval, mean_interval


class GateError(RuntimeError):
    """A precondition of the experiment failed: what was measured, what was needed, what to change."""


@dataclass(frozen=True)
class Gate:
    name: str
    passed: bool
    message: str


def base_gate(solved: float, chance: float, min_solved: float, max_solved: float, n_prompts: int,
              samples_per_prompt: int, architecture: str) -> Gate:
    """min_solved <= solved <= max_solved, the exact-solve rate of the base model on the probe prompts.

    ``chance``: the rate of a uniformly random well-formed answer on the same prompts, printed beside it."""
    passed = min_solved <= solved <= max_solved
    measured = (f"{architecture} base model: exact-solve rate {solved:.3f} on {n_prompts} probe prompts x "
                f"{samples_per_prompt} samples (chance {chance:.3f}); the gate needs {min_solved:g} <= rate <= "
                f"{max_solved:g}")
    if passed:
        return Gate("base", True, measured + ": passed")
    advice = ("train it longer or wider (adrpo_llm.sft.steps, adrpo_llm.model)" if solved < min_solved
              else "RL would have too little reward to gain: train it less (adrpo_llm.sft.steps)")
    return Gate("base", False, f"{measured}: FAILED; {advice}, then rerun adrpo-llm-base")


def base_gate_metrics(gate: Gate, solved: float, chance: float, reward: float, chance_reward: float) -> dict:
    """The base stage's metrics: the measured rates beside their chance levels and the gate (1 passed, 0 not)."""
    return {"solved": solved, "chance_solved": chance, "reward": reward, "chance_reward": chance_reward,
            "gate_passed": int(gate.passed)}


def read_base_gate(path: str | Path, min_solved: float, max_solved: float, n_prompts: int, samples_per_prompt: int,
                   architecture: str) -> Gate:
    """The base gate re-judged from the base stage's metrics file, with the thresholds params.yaml gives now."""
    path = Path(path)
    if not path.is_file():
        return Gate("base", False, f"{path} missing: run adrpo-llm-base for {architecture} first")
    values = json.loads(path.read_text())
    return base_gate(values["solved"], values["chance_solved"], min_solved, max_solved, n_prompts,
                     samples_per_prompt, architecture)


def require(gate: Gate) -> None:
    """Refuse to go on when ``gate`` failed (the RL stages: before any model is trained)."""
    if not gate.passed:
        raise GateError(f"adrpo-llm {gate.name} gate: {gate.message}")


@dataclass(frozen=True)
class Plateau:
    gain: Interval  # reward at the end minus reward at the start of the window, over seeds
    gap: Interval  # reachable reward minus final reward, over seeds
    passed: bool


def plateau(final_rewards: Sequence[float], window_start_rewards: Sequence[float], reachable: float,
            max_gain: float, min_gap: float) -> Plateau:
    """Has a fixed-beta run stopped rising below the reachable reward? Per seed i (the same seeds in both lists):

        gain_i = R_i(T) - R_i(T - window)        gap_i = reachable - R_i(T)

    It plateaued when the whole 95% interval of the mean gain is below ``max_gain`` and the whole interval of
    the mean gap is above ``min_gap``."""
    gain = mean_interval([end - start for end, start in zip(final_rewards, window_start_rewards, strict=True)])
    gap = mean_interval([reachable - end for end in final_rewards])
    return Plateau(gain, gap, gain.high < max_gain and gap.low > min_gap)
