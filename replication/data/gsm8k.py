"""GSM8K, the paper profile's public verifiable task: loading through ``datasets`` and answer checking.

A GSM8K row is ``{"question": str, "answer": "<worked solution>\\n#### 72"}``: the final answer follows ``####``.
The paper's LLM task is not published (PAPERS.md, section 2); GSM8K is this project's documented choice.
"""

from __future__ import annotations

import re
from pathlib import Path

from datasets import Dataset, load_dataset

HUB_ID, HUB_CONFIG = "openai/gsm8k", "main"
INSTRUCTION = "Solve the problem. Put the final answer, a number, after '####' at the end."
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def reference_answer(answer_field: str) -> str:
    """The final answer of a GSM8K ``answer`` field, commas removed: ``"... #### 1,200" -> "1200"``."""
    if "####" not in answer_field:
        raise ValueError(f"not a GSM8K answer (no '####'): {answer_field[-60:]!r}")
    return answer_field.rsplit("####", 1)[1].strip().replace(",", "")


def extract_final_number(completion: str) -> str | None:
    """The model's final answer: the first number after the last ``####`` if there is one, else the last number
    in the text; commas dropped, a trailing ``.0`` kept as written (``_same_number`` compares values)."""
    tail = completion.rsplit("####", 1)[1] if "####" in completion else completion
    numbers = _NUMBER.findall(tail)
    if not numbers:
        return None
    return (numbers[0] if "####" in completion else numbers[-1]).replace(",", "")


def _same_number(a: str, b: str) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return False


def is_correct(completion: str, answer: str) -> bool:
    """True when the completion's final number equals the reference answer (as numbers: "18.00" == "18")."""
    predicted = extract_final_number(completion)
    return predicted is not None and _same_number(predicted, answer)


def to_prompts(rows: Dataset) -> Dataset:
    """Conversational GRPO prompts (one user turn) with the reference answer in column ``answer``."""
    return rows.map(
        lambda row: {
            "prompt": [{"role": "user", "content": f"{row['question']}\n{INSTRUCTION}"}],
            "answer": reference_answer(row["answer"]),
        },
        remove_columns=rows.column_names,
    )


def load_gsm8k(split: str, data_files: str | Path | None = None) -> Dataset:
    """GSM8K ``split`` from the hub (paper profile), or from a local JSON-lines file in the same format."""
    if data_files is not None:
        return load_dataset("json", data_files=str(data_files), split="train")
    return load_dataset(HUB_ID, HUB_CONFIG, split=split)
