"""AudioSFTCollator: prompt masked out of the labels, completion + end-of-turn kept, audio features attached."""

import numpy as np
import pytest
from trl import SFTConfig

from replication.models.omni import build_processor
from replication.rl.audio_grpo import audio_prompt
from replication.rl.audio_sft import IGNORE_INDEX, AudioSFTCollator, audio_sft_trainer, sft_completion


@pytest.fixture(scope="module")
def processor():
    return build_processor(["higher or lower <think> the pitch rises </think><answer> higher </answer>", "user"],
                           300, 1)


def _rows(n_seconds=(0.5, 1.0)):
    return [{"prompt": audio_prompt("Higher or lower?", ["higher", "lower"], "Answer."),
             "completion": sft_completion("the pitch rises" + " more" * i, "higher"),
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
        assert kept == tok.encode(row["completion"], add_special_tokens=False) + [tok.eos_token_id]
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


def test_sft_rows_empty_thinking_share_is_seeded():
    from pathlib import Path

    from replication.data.audio_qa import AudioQAItem
    from replication.rl.cesar_setup import sft_rows

    items = [AudioQAItem(id=str(i), audio_path=Path(f"{i}.wav"), question="Q?", choices=("a", "b"), answer="a",
                         task="sound", difficulty="easy", category="c", sub_category="s", dataset="d", split="train")
             for i in range(200)]
    traces = {str(i): "reasoning" for i in range(200)}
    rows = sft_rows(items, traces, "Answer.", no_think_share=0.25, seed=1)
    empty = [r["completion"].startswith("<think></think>") for r in rows]
    assert 30 < sum(empty) < 70  # about a quarter
    assert empty == [r["completion"].startswith("<think></think>") for r in sft_rows(items, traces, "Answer.", 0.25, 1)]
    assert not any(r["completion"].startswith("<think></think>") for r in sft_rows(items, traces, "Answer.", 0.0, 1))
    with pytest.raises(ValueError, match="trace"):
        sft_rows(items, {}, "Answer.")
