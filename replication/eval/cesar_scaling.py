"""One model's test-time scaling curve: MMAU accuracy at each thinking budget L, against the tokens used.

For every L: budget-forced completions of every test item (``budget_forcing.budget_forced_curve``, one thinking
pass for all budgets), scored with MMAU's rule (``mmau.score``: total, by task, by difficulty), the average
reasoning tokens actually used, and what the thinking looks like (share that drifts into ungrounded content, mean consistency
and keyword rewards). The item-level outcomes are kept too: every interval of the report is a bootstrap over
items (``scaling_intervals``).

API
---
``scaling_curve(model, processor, items, budgets, answer_tokens, batch_size, instruction, temperature)
    -> (rows, outcomes, completions)``: ``rows`` one dict per budget (``budget``, ``avg_tokens``, ``total``,
    ``task/<task>``, ``difficulty/<level>``, ``drift``, ``consistency``, ``keywords``); ``outcomes`` one dict per
    (item, budget) (``id``, ``budget``, ``correct``, ``tokens``, ``drifted``); ``completions`` by budget.
``scaling_summary(rows) -> dict``: slope (with and without L = 0), sweet spot, think / no-think accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence

from replication.data.audio_qa import is_drifted
from replication.eval.budget_forcing import budget_forced_curve
from replication.eval.mmau import score, string_match
from replication.eval.scaling import scaling_slope, sweet_spot
from replication.rewards.cesar import consistency_reward, keyword_reward, split_completion
from replication.rl.audio_grpo import audio_prompt, load_audio


def scaling_curve(model, processor, items: Sequence, budgets: Sequence[int], answer_tokens: int, batch_size: int,
                  instruction: str, temperature: float = 0.0):
    prompts = [audio_prompt(item.question, item.choices, instruction) for item in items]
    audios = [load_audio(str(item.audio_path)) for item in items]
    curve = budget_forced_curve(model, processor, prompts, audios, budgets, answer_tokens, batch_size, temperature)
    rows, outcomes, completions = [], [], {}
    questions, choices = [item.question for item in items], [list(item.choices) for item in items]
    for budget, outputs in curve.items():
        texts = [out.text for out in outputs]
        drifted = [is_drifted(split_completion(text)[0]) for text in texts]
        result = score(items, {item.id: out.answer for item, out in zip(items, outputs)})
        rows.append({
            "budget": budget, "avg_tokens": sum(out.reasoning_tokens for out in outputs) / len(outputs),
            **result.as_dict(), "drift": 100.0 * sum(drifted) / len(items),
            "consistency": _mean(consistency_reward(texts, question=questions, choices=choices)),
            "keywords": _mean(keyword_reward(texts)),
        })
        outcomes += [{"id": item.id, "budget": budget, "correct": int(string_match(item.answer, out.answer, item.choices)),
                      "tokens": out.reasoning_tokens, "drifted": int(d)} for item, out, d in zip(items, outputs, drifted)]
        completions[budget] = [{"id": item.id, "text": out.text, "answer": out.answer,
                                "reasoning_tokens": out.reasoning_tokens} for item, out in zip(items, outputs)]
    return rows, outcomes, completions


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _slope(rows: list[dict]) -> tuple[float, float]:
    tokens = [row["avg_tokens"] for row in rows]
    if len(set(tokens)) < 2:  # a model that never reasons uses 0 tokens at every L: no slope exists
        return 0.0, 0.0
    return scaling_slope(tokens, [row["total"] for row in rows]), 1.0


def scaling_summary(rows: list[dict]) -> dict[str, float]:
    """Slope (accuracy points per reasoning token, least squares; ``slope_no_zero`` leaves L = 0 out), sweet spot,
    think / no-think accuracy.

    think = the accuracy at the largest budget (the closest to the paper's uncapped thinking mode);
    no_think = the accuracy at L = 0 (which the budget list must hold).
    """
    by_budget = {row["budget"]: row for row in rows}
    if 0 not in by_budget:
        raise ValueError("the budgets must include 0 (the no-reasoning mode)")
    ordered = [by_budget[b] for b in sorted(by_budget)]
    spot_budget, spot_accuracy = sweet_spot([r["budget"] for r in ordered], [r["total"] for r in ordered])
    slope, defined = _slope(ordered)
    slope_no_zero, defined_no_zero = _slope(ordered[1:]) if len(ordered) > 2 else (0.0, 0.0)
    return {
        "slope": slope, "slope_defined": defined, "slope_no_zero": slope_no_zero,
        "slope_no_zero_defined": defined_no_zero,
        "sweet_spot_budget": float(spot_budget), "sweet_spot_accuracy": float(spot_accuracy),
        "no_think": by_budget[0]["total"], "think": ordered[-1]["total"],
        "think_tokens": ordered[-1]["avg_tokens"], "think_drift": ordered[-1]["drift"],
    }
