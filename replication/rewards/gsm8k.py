"""Accuracy reward for GSM8K (``replication.data.gsm8k``), in TRL's reward contract."""

from __future__ import annotations

from replication.data.gsm8k import is_correct


def _text(completion) -> str:
    # conversational completions arrive as [{"role": "assistant", "content": ...}]
    return completion[-1]["content"] if isinstance(completion, list) else completion


def gsm8k_accuracy(completions: list, answer: list[str], **kwargs) -> list[float]:
    """r = 1[final number of the completion == reference answer]

    >>> gsm8k_accuracy(["3 + 4 = 7\\n#### 7", "#### 8", [{"role": "assistant", "content": "so 1,200"}]],
    ...                answer=["7", "7", "1200"])
    [1.0, 0.0, 1.0]
    """
    return [float(is_correct(_text(c), a)) for c, a in zip(completions, answer, strict=True)]
