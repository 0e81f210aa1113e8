"""One model's test-time scaling curve: MMAU accuracy at each thinking budget L, against the tokens used.

For every L: budget-forced greedy completions of every test item (``budget_forcing``), scored with MMAU's rule
(``mmau.score``: total, by task, by difficulty), and the average reasoning tokens actually used. The slope of
accuracy on average tokens and the sweet spot are computed from these rows (``scaling``).
"""

from __future__ import annotations

from collections.abc import Sequence

from replication.eval.budget_forcing import budget_forced_generate
from replication.eval.mmau import score
from replication.eval.scaling import scaling_slope, sweet_spot
from replication.rl.audio_grpo import audio_prompt, load_audio


def scaling_rows(model, processor, items: Sequence, budgets: Sequence[int], answer_tokens: int, batch_size: int,
                 instruction: str) -> tuple[list[dict], dict[int, list[dict]]]:
    """``(rows, completions)``: one row per budget (accuracies in %, ``avg_tokens``), and the completions by budget.

    Row keys: ``budget``, ``avg_tokens``, ``total``, ``task/<task>``, ``difficulty/<level>`` (MMAU's breakdown).
    """
    prompts = [audio_prompt(item.question, item.choices, instruction) for item in items]
    audios = [load_audio(str(item.audio_path)) for item in items]
    rows, completions = [], {}
    for budget in budgets:
        outputs = budget_forced_generate(model, processor, prompts, audios, budget, answer_tokens, batch_size)
        predictions = {item.id: out.answer for item, out in zip(items, outputs)}
        result = score(items, predictions)
        avg_tokens = sum(out.reasoning_tokens for out in outputs) / len(outputs)
        rows.append({"budget": budget, "avg_tokens": avg_tokens, **result.as_dict()})
        completions[budget] = [{"id": item.id, "text": out.text, "answer": out.answer,
                                "reasoning_tokens": out.reasoning_tokens} for item, out in zip(items, outputs)]
    return rows, completions


def scaling_summary(rows: list[dict]) -> dict[str, float]:
    """Slope (accuracy points per reasoning token, least squares), sweet spot, think / no-think accuracy.

    think = the accuracy at the largest budget (the closest to the paper's uncapped thinking mode);
    no_think = the accuracy at L = 0 (which the budget list must hold).
    """
    by_budget = {row["budget"]: row for row in rows}
    if 0 not in by_budget:
        raise ValueError("the budgets must include 0 (the no-reasoning mode)")
    budgets = sorted(by_budget)
    totals = [by_budget[b]["total"] for b in budgets]
    spot_budget, spot_accuracy = sweet_spot(budgets, totals)
    tokens = [by_budget[b]["avg_tokens"] for b in budgets]
    tokens_vary = len(set(tokens)) > 1  # a model that never reasons uses 0 tokens at every L: no slope exists
    return {
        "slope": scaling_slope(tokens, totals) if tokens_vary else 0.0,
        "slope_defined": float(tokens_vary),
        "sweet_spot_budget": float(spot_budget),
        "sweet_spot_accuracy": float(spot_accuracy),
        "no_think": by_budget[0]["total"],
        "think": by_budget[budgets[-1]]["total"],
    }
