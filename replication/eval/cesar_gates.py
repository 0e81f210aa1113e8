"""CESAR's gates: the preconditions checked before methods are compared (BRIEF: "an experiment must be able to
show its effect"), as numbers in the metrics and a refusal when one fails.

    sft_no_think    the SFT model's accuracy with no thinking (L = 0) >= ``no_think_min``: perception well above
                    chance (25 %), so rewards are not at chance
    sft_slope       the SFT model scales inversely: the 95 % interval of its slope (bootstrap over items) < 0
    outcome_slope   outcome-only GRPO still scales inversely (its seed-mean curve): interval < 0, so there is a
                    failure for CESAR to fix

API: ``gate(name, interval, passed) -> dict`` (``<name>``, ``<name>_low``, ``<name>_high``, ``<name>_passed``),
``sft_gates(no_think, slope, no_think_min)``, ``outcome_gate(slope)``, ``failed(gates) -> list[str]``,
``require(gates, enforce, what)``: raises with the failing gates' values when ``enforce``.
"""

from __future__ import annotations

import math

from replication.eval.stats import Interval


def gate(name: str, interval: Interval, passed: bool) -> dict[str, float]:
    """The gate's metrics; an undefined value (no slope, no interval) fails, written as ``<name>_defined`` 0."""
    if not all(math.isfinite(v) for v in (interval.estimate, interval.low, interval.high)):
        return {f"{name}_defined": 0.0, f"{name}_passed": 0.0}
    return {name: interval.estimate, f"{name}_low": interval.low, f"{name}_high": interval.high,
            f"{name}_defined": 1.0, f"{name}_passed": float(passed)}


def sft_gates(no_think: Interval, slope: Interval, no_think_min: float) -> dict[str, float]:
    return {**gate("sft_no_think", no_think, no_think.estimate >= no_think_min),
            **gate("sft_slope", slope, slope.high < 0.0)}


def outcome_gate(slope: Interval) -> dict[str, float]:
    return gate("outcome_slope", slope, slope.high < 0.0)


def failed(gates: dict[str, float]) -> list[str]:
    return sorted(key[: -len("_passed")] for key, value in gates.items() if key.endswith("_passed") and not value)


def describe(gates: dict[str, float], name: str) -> str:
    if name not in gates:
        return f"{name} undefined"
    return f"{name} = {gates[name]:+.3f} [{gates[name + '_low']:+.3f}, {gates[name + '_high']:+.3f}]"


def require(gates: dict[str, float], enforce: bool, what: str) -> list[str]:
    """The failing gates; with ``enforce``, refuse (raise) instead of returning them."""
    failing = failed(gates)
    if failing and enforce:
        values = "; ".join(describe(gates, name) for name in failing)
        raise RuntimeError(f"{what} refused: gate(s) {', '.join(failing)} failed ({values}). Fix the testbed "
                           "first (docs/cesar.md, 'Gates'), or set cesar.gates.enforce: false to run anyway")
    return failing
