"""The ADRPO LLM experiment's gates (replication.eval.llm_gates): pass, fail with advice, refusal, plateau."""

from __future__ import annotations

import json

import pytest

from replication.eval.llm_gates import GateError, base_gate, base_gate_metrics, plateau, read_base_gate, require


def test_a_base_above_chance_with_room_passes_and_prints_its_chance_level():
    gate = base_gate(0.72, 0.037, 0.5, 0.9, 81, 16, "qwen2")
    assert gate.passed
    assert "exact-solve rate 0.720 on 81 probe prompts x 16 samples (chance 0.037)" in gate.message
    require(gate)  # passes silently


@pytest.mark.parametrize(
    "solved, advice",
    [
        (0.30, "train it longer or wider"),  # too close to chance
        (0.95, "train it less"),  # no reward left to gain
    ],
)
def test_a_failed_base_gate_says_what_to_change_and_refuses(solved, advice):
    gate = base_gate(solved, 0.037, 0.5, 0.9, 81, 16, "qwen3")
    assert not gate.passed and advice in gate.message and "FAILED" in gate.message
    with pytest.raises(GateError, match="adrpo-llm base gate: qwen3 base model"):
        require(gate)


def test_the_gate_is_re_judged_from_the_base_stage_metrics(tmp_path):
    path = tmp_path / "base.json"
    metrics = base_gate_metrics(base_gate(0.6, 0.04, 0.5, 0.9, 81, 16, "qwen2"), 0.6, 0.04, 0.45, 0.02)
    assert metrics == {"solved": 0.6, "chance_solved": 0.04, "reward": 0.45, "chance_reward": 0.02, "gate_passed": 1}
    path.write_text(json.dumps(metrics))
    assert read_base_gate(path, 0.5, 0.9, 81, 16, "qwen2").passed
    assert not read_base_gate(path, 0.7, 0.9, 81, 16, "qwen2").passed  # a stricter threshold today fails it
    missing = read_base_gate(tmp_path / "none.json", 0.5, 0.9, 81, 16, "qwen2")
    assert not missing.passed and "run adrpo-llm-base" in missing.message


def test_plateau_by_hand():
    # gains 0.00, +0.01, -0.01 (mean 0); gaps to 0.8: 0.25, 0.24, 0.26 (mean 0.25)
    flat = plateau([0.55, 0.56, 0.54], [0.55, 0.55, 0.55], reachable=0.8, max_gain=0.03, min_gap=0.05)
    assert flat.gain.estimate == pytest.approx(0.0, abs=1e-12) and flat.gap.estimate == pytest.approx(0.25)
    assert flat.passed
    rising = plateau([0.55, 0.56, 0.54], [0.30, 0.31, 0.29], reachable=0.8, max_gain=0.03, min_gap=0.05)
    assert not rising.passed and rising.gain.low > 0.2  # still climbing
    at_top = plateau([0.79, 0.80, 0.78], [0.79, 0.80, 0.78], reachable=0.8, max_gain=0.03, min_gap=0.05)
    assert not at_top.passed  # flat, but at the reachable reward: no problem to show
