"""Paper-profile loaders: MMAU test-mini (fixtures in the real format, and the real question file) and AVQA."""

import json
from collections import Counter
from pathlib import Path

import pytest

from replication.data.audio_qa import load_avqa, load_mmau

FIXTURES = Path(__file__).parent / "fixtures"
REAL_MMAU = Path("/work/shared/data/mmau-test-mini.json")


def test_load_mmau_fixture_resolves_audio():
    items = load_mmau(FIXTURES / "mmau" / "mmau-test-mini.json")
    assert [i.task for i in items] == ["sound", "music", "speech"]
    assert items[0].answer == "Man" and items[0].choices == ("Man", "Woman", "Child", "Robot")
    assert items[0].sub_category == "Acoustic Source Inference"
    assert all(i.audio_path.is_file() for i in items)
    # an explicit audio folder: audio_id's file name inside it
    again = load_mmau(FIXTURES / "mmau" / "mmau-test-mini.json", audio_dir=FIXTURES / "mmau" / "test-mini-audios")
    assert [i.audio_path for i in again] == [i.audio_path for i in items]
    # two-choice items (as in the real test-mini) are accepted
    assert len(items[2].choices) == 2


def test_load_mmau_missing_audio_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="3 of 3"):
        load_mmau(FIXTURES / "mmau" / "mmau-test-mini.json", audio_dir=tmp_path)
    assert len(load_mmau(FIXTURES / "mmau" / "mmau-test-mini.json", audio_dir=tmp_path, require_audio=False)) == 3


@pytest.mark.parametrize("field,value,message", [
    ("answer", "Alien", "not one of the choices"),  # answer outside the choices
    ("choices", ["Man"], "at least 2"),  # a single choice
    ("difficulty", None, "missing MMAU fields"),  # a field removed
])
def test_load_mmau_rejects_malformed(tmp_path, field, value, message):
    items = json.loads((FIXTURES / "mmau" / "mmau-test-mini.json").read_text())
    if value is None:
        del items[1][field]
    else:
        items[1][field] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(items))
    with pytest.raises(ValueError, match=message):
        load_mmau(path, require_audio=False)


@pytest.mark.skipif(not REAL_MMAU.is_file(), reason="the real MMAU test-mini question file is not on this machine")
def test_load_real_mmau_test_mini_questions():
    items = load_mmau(REAL_MMAU, require_audio=False)
    assert len(items) == 1000
    assert Counter(i.task for i in items) == {"sound": 333, "music": 334, "speech": 333}
    assert Counter(i.difficulty for i in items) == {"easy": 224, "medium": 540, "hard": 236}
    assert all(i.answer in i.choices for i in items)
    assert all(i.audio_path.name == f"{i.id}.wav" for i in items)


def test_load_avqa_fixture():
    items = load_avqa(FIXTURES / "avqa" / "avqa-train.jsonl")
    assert [i.id for i in items] == ["183", "184"]
    assert items[0].answer == "Yacht consignment"  # answer is an index into multi_choice
    assert items[1].answer == "dog" and items[1].category == "Which" and items[1].sub_category == "Both"
    assert all(i.audio_path.is_file() and i.task == "sound" and i.split == "train" for i in items)


def test_load_avqa_json_list_and_bad_index(tmp_path):
    records = [json.loads(line) for line in (FIXTURES / "avqa" / "avqa-train.jsonl").read_text().splitlines()]
    as_list = tmp_path / "avqa.json"
    as_list.write_text(json.dumps(records))
    items = load_avqa(as_list, audio_dir=FIXTURES / "avqa")
    assert [i.answer for i in items] == ["Yacht consignment", "dog"]
    records[0]["answer"] = 4  # out of range
    as_list.write_text(json.dumps(records))
    with pytest.raises(ValueError, match="index into multi_choice"):
        load_avqa(as_list, require_audio=False)
