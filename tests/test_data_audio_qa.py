"""Synthetic audio QA corpus: families well-posed under MMAU's rule, audio that carries the answer, MMAU-like
balance, traces that fit CESAR's rewards, and byte-identical regeneration from a seed."""

import hashlib
import json
from collections import Counter

import numpy as np
import pytest
import soundfile as sf

from replication.data.audio_qa import FAMILIES, TASKS, families_for, load_mmau, load_traces, plan_split, write_split
from replication.data.audio_qa.corpus import generate_item
from replication.data.audio_qa.families import DIFFICULTIES, shuffled_choices
from replication.data.audio_qa.synth import SAMPLE_RATE
from replication.eval.mmau import string_match
from replication.rewards.cesar import accuracy_reward, format_completion, format_reward, keyword_reward


def test_registry_covers_tasks_with_enough_families():
    assert len(FAMILIES) >= 12
    for task in TASKS:
        families = families_for(task)
        assert len(families) >= 4
        assert any(f.multi_step for f in families), f"{task} has no multi-step family"
        assert {f.category for f in families} <= {"Information Extraction", "Reasoning"}
    # sub-categories name the family uniquely, so the MMAU breakdown can be read per family
    assert len({f.sub_category for f in FAMILIES.values()}) == len(FAMILIES)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_items_are_well_posed(name):
    family = FAMILIES[name]
    for seed in range(12):
        for difficulty in DIFFICULTIES:
            rng = np.random.default_rng(seed)
            draft = family.make(rng, difficulty)
            choices = shuffled_choices(rng, draft)
            assert len(choices) == 4 and draft.answer in choices
            # under MMAU's rule the answer is right and every distractor wrong: no choice is ambiguous
            assert string_match(draft.answer, draft.answer, choices)
            for wrong in draft.distractors:
                assert not string_match(draft.answer, wrong, choices), (name, draft.answer, wrong)
            audio = draft.audio
            assert audio.dtype == np.float32 and audio.ndim == 1
            assert 0.3 <= len(audio) / SAMPLE_RATE <= 3.5  # short clips keep the audio encoder cheap
            assert 0.5 < np.abs(audio).max() <= 0.9 + 1e-6
            assert draft.facts and draft.steps


def _dominant_hz(x):
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)[spectrum.argmax()]


def test_pitch_compare_audio_carries_the_answer():
    # clean (easy) items: the FFT peak of each note moves the way the answer says
    for seed in range(10):
        draft = FAMILIES["pitch_compare"].make(np.random.default_rng(seed), "easy")
        a = draft.audio
        first = a[int(0.15 * SAMPLE_RATE) : int(0.5 * SAMPLE_RATE)]
        second = a[int(0.7 * SAMPLE_RATE) : int(1.05 * SAMPLE_RATE)]
        f1, f2 = _dominant_hz(first), _dominant_hz(second)
        expected = "higher" if f2 > f1 * 1.02 else "lower" if f2 < f1 / 1.02 else "same pitch"
        assert expected in draft.answer, (f1, f2, draft.answer)


def test_count_beeps_audio_carries_the_answer():
    # clean (easy) items: count the rising edges of the 10 ms energy envelope
    for seed in range(10):
        draft = FAMILIES["count_beeps"].make(np.random.default_rng(seed), "easy")
        frames = draft.audio[: len(draft.audio) // 160 * 160].reshape(-1, 160)
        active = (frames**2).mean(axis=1) > 0.01
        onsets = int(np.sum(active[1:] & ~active[:-1]) + active[0])
        assert str(onsets) == draft.answer


def test_plan_is_balanced_like_mmau():
    plan = plan_split(600, seed=3)
    tasks = Counter(task for task, _, _ in plan)
    assert tasks == {"sound": 200, "music": 200, "speech": 200}
    difficulty = Counter(d for _, _, d in plan)
    # MMAU test-mini: 22.4 / 54.0 / 23.6 %
    assert difficulty == {"easy": 135, "medium": 324, "hard": 141}
    families = Counter(f for _, f, _ in plan)
    assert set(families) == set(FAMILIES) and max(families.values()) - min(families.values()) <= 12
    assert plan_split(600, seed=3) == plan and plan_split(600, seed=4) != plan


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes(tmp_path):
    write_split(tmp_path / "a", "test-mini", 18, seed=7)
    write_split(tmp_path / "b", "test-mini", 18, seed=7)
    write_split(tmp_path / "c", "test-mini", 18, seed=8)
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert len(a) == 18 + 2 and a == b
    assert a["test-mini.json"] != c["test-mini.json"]


def test_splits_from_different_seeds_are_disjoint():
    train = [generate_item(0, "train", i, f, d) for i, (_, f, d) in enumerate(plan_split(30, seed=0))]
    test = [generate_item(1, "test-mini", i, f, d) for i, (_, f, d) in enumerate(plan_split(30, seed=1))]
    assert not {item["id"] for item, _, _ in train} & {item["id"] for item, _, _ in test}
    assert not {a.tobytes() for _, a, _ in train} & {a.tobytes() for _, a, _ in test}


def test_written_split_is_mmau_format_and_traces_fit_the_rewards(tmp_path):
    json_path = write_split(tmp_path, "test-mini", 36, seed=2)
    raw = json.loads(json_path.read_text())
    assert all(set(item) == {"id", "audio_id", "question", "choices", "answer", "dataset", "task", "split",
                             "category", "sub-category", "difficulty"} for item in raw)
    items = load_mmau(json_path)  # resolves ./test-mini-audios/<id>.wav next to the JSON, checks they exist
    assert [item.to_mmau() for item in items] == raw
    info = sf.info(str(items[0].audio_path))
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")

    traces = load_traces(tmp_path / "test-mini-traces.json")
    assert set(traces) == {item.id for item in items}
    completions = [format_completion(traces[i.id], i.answer) for i in items]
    kwargs = {"answer": [i.answer for i in items], "choices": [list(i.choices) for i in items]}
    assert accuracy_reward(completions, **kwargs) == [1.0] * len(items)
    assert format_reward(completions) == [1.0] * len(items)
    # the traces use audio vocabulary and connectives: every trace earns keyword reward
    assert min(keyword_reward(completions)) > 0.3
