"""AudioSFTCollator: prompt (and a forced close) masked out of the labels, completion + end-of-turn kept, audio
features attached; SFT rows of three shapes (full, cut, empty)."""

import numpy as np
import pytest
from trl import SFTConfig

from replication.models.omni import build_processor
from replication.rl.audio_grpo import audio_prompt
from replication.rl.audio_sft import (IGNORE_INDEX, AudioSFTCollator, audio_sft_trainer, completion_pieces,
                                      sft_completion, sft_think)


@pytest.fixture(scope="module")
def processor():
    return build_processor(["higher or lower <think> the pitch rises </think><answer> higher </answer>", "user"],
                           300, 1)


def _rows(n_seconds=(0.5, 1.0)):
    return [{"prompt": audio_prompt("Higher or lower?", ["higher", "lower"], "Answer."),
             "think": sft_think("the pitch rises" + " more" * i), "answer": "higher", "forced": False,
             "audio": np.zeros(int(16000 * s), np.float32)} for i, s in enumerate(n_seconds)]


def test_sft_completion_is_the_cesar_format():
    assert sft_completion("t", "y") == "<think> t </think><answer> y </answer>"
    assert sft_completion("", "y") == "<think></think><answer> y </answer>"  # as budget forcing opens L = 0


def test_labels_are_the_completion_and_end_of_turn_only(processor):
    tok = processor.tokenizer
    rows = _rows()
    batch = AudioSFTCollator(processor, max_length=512)(rows)
    for i, row in enumerate(rows):
        labels = batch["labels"][i]
        kept = labels[labels != IGNORE_INDEX].tolist()
        completion = sft_completion(row["think"].strip(), row["answer"])
        assert kept == tok.encode(completion, add_special_tokens=False) + [tok.eos_token_id]
        # the kept labels are the last tokens of the row, right before the padding
        length = int(batch["attention_mask"][i].sum())
        assert batch["input_ids"][i, length - len(kept): length].tolist() == kept
        assert (batch["attention_mask"][i, length:] == 0).all() and (labels[length:] == IGNORE_INDEX).all()
    audio_tokens = (batch["input_ids"] == tok.audio_token_id).sum(-1).tolist()
    # 50 and 100 mel frames -> (n - 1) // 2 + 1 -> (m - 2) // 2 + 1 encoder frames: 12 and 25
    assert audio_tokens == [12, 25]
    assert batch["input_features"].shape == (2, 128, 100)
    assert batch["feature_attention_mask"].sum(-1).tolist() == [50, 100]


def test_max_length_too_short_for_any_completion_raises(processor):
    with pytest.raises(ValueError, match="max_length"):
        AudioSFTCollator(processor, max_length=10)(_rows())


def test_trainer_refuses_options_that_bypass_the_collator(processor, tmp_path):
    ok = dict(output_dir=str(tmp_path), use_cpu=True, report_to="none", remove_unused_columns=False,
              dataset_kwargs={"skip_prepare_dataset": True})
    for bad, match in [({"packing": True}, "packing"), ({"remove_unused_columns": True}, "remove_unused"),
                       ({"dataset_kwargs": None}, "skip_prepare_dataset")]:
        with pytest.raises(ValueError, match=match):
            audio_sft_trainer(None, processor, None, SFTConfig(**{**ok, **bad}), max_length=64)


def test_a_forced_close_is_context_not_target(processor):
    tok = processor.tokenizer
    ids, trained = completion_pieces(tok, " the pitch", "higher", forced=True)
    close = tok.encode("</think><answer>", add_special_tokens=False)
    assert ids == tok.encode("<think> the pitch</think><answer> higher </answer>", add_special_tokens=False) + [
        tok.eos_token_id]
    start = ids.index(close[0])
    assert trained[:start] == [True] * start and trained[start: start + len(close)] == [False] * len(close)
    assert all(trained[start + len(close):])  # the answer, </answer> and end of turn are targets
    assert all(completion_pieces(tok, " the pitch ", "higher", forced=False)[1])


def test_sft_rows_have_three_seeded_shapes():
    from pathlib import Path

    from replication.data.audio_qa import AudioQAItem
    from replication.data.audio_qa.loaders import TraceRecord
    from replication.rl.cesar_setup import sft_rows

    items = [AudioQAItem(id=str(i), audio_path=Path(f"{i}.wav"), question="Q?", choices=("1", "2"), answer="1",
                         task="sound", difficulty="easy", category="c", sub_category="s", dataset="d", split="train")
             for i in range(200)]
    segments = ({"text": "I hear beep.", "answer": None, "grounded": True},
                {"text": "The answer is 1.", "answer": "1", "grounded": True},
                {"text": "Wait: beep, maybe a faint beep.", "answer": None, "grounded": False},
                {"text": "The answer is 2.", "answer": "2", "grounded": False})
    traces = {str(i): TraceRecord("count_of", "1", (segments,)) for i in range(200)}
    tok = build_processor(["I hear beep. The answer is 1. Wait: beep, maybe a faint beep. The answer is 2.", "user"],
                          300, 1).tokenizer
    rows = sft_rows(items, traces, "Answer.", tok, no_think_share=0.25, cut_share=0.25, seed=1)
    empty = [r for r in rows if r["think"] == ""]
    full = [r for r in rows if not r["forced"]]
    cut = [r for r in rows if r["forced"] and r["think"]]
    assert 30 < len(empty) < 70 and 30 < len(cut) < 70 and len(empty) + len(cut) + len(full) == 200
    assert all(r["forced"] and r["answer"] == "1" for r in empty)  # the truth, with no reasoning
    assert all(r["think"] == " I hear beep. The answer is 1. Wait: beep, maybe a faint beep. The answer is 2. " and
               r["answer"] == "2" for r in full)  # the full trace and its last (drifted) conclusion
    for r in cut:  # a prefix of the trace, answered with its last conclusion written in full, else the truth
        text = " I hear beep. The answer is 1. Wait: beep, maybe a faint beep. The answer is 2."
        assert text.startswith(r["think"]) and r["answer"] == ("2" if "is 2" in r["think"] else "1")
    assert rows == sft_rows(items, traces, "Answer.", tok, 0.25, 0.25, 1)
    with pytest.raises(ValueError, match="trace"):
        sft_rows(items, {}, "Answer.", tok)
    with pytest.raises(ValueError, match="sum"):
        sft_rows(items, traces, "Answer.", tok, 0.6, 0.6)
