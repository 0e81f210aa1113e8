"""The CESAR testbed: scenes whose audio carries the answer, answers that follow a listing, imagined events that
change them, traces whose drift grows with length and compounds in crowded clips, MMAU-like balance,
byte-identical regeneration."""

import hashlib
import json
from collections import Counter

import numpy as np
import pytest
import soundfile as sf

from replication.data.audio_qa import (TraceModel, answer_at, is_drifted, load_mmau, load_splits, load_traces,
                                       plan_split, sample_trace, trace_text, write_split)
from replication.data.audio_qa.corpus import generate_item
from replication.data.audio_qa.questions import (KINDS, Question, answer_of, choices_of, imagined_events,
                                                 sample_question)
from replication.data.audio_qa.scenes import ALPHABETS, PITCH, Scene, render
from replication.data.audio_qa.synth import SAMPLE_RATE
from replication.data.audio_qa.traces import DRIFT_WORDS, trace_profile
from replication.eval.mmau import string_match
from replication.rewards.cesar import accuracy_reward, format_completion, format_reward


def _dominant_hz(x):
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)[spectrum.argmax()]


def _events(audio):
    """(start, stop) samples of each event, from the 10 ms energy envelope (clean items)."""
    frames = audio[: len(audio) // 160 * 160].reshape(-1, 160)
    active = (frames**2).mean(axis=1) > 1e-4
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(int), [0]])))
    return [(a * 160, b * 160) for a, b in zip(edges[::2], edges[1::2])]


@pytest.mark.parametrize("events", [("C4", "C5", "E4"), ("G4", "G4"), ("C5", "C4", "G4", "E4", "C4")])
def test_music_clip_carries_each_notes_pitch(events):
    audio = render(np.random.default_rng(0), Scene("music", events), "easy")
    found = _events(audio)
    assert len(found) == len(events)
    for (start, stop), note in zip(found, events):
        assert abs(_dominant_hz(audio[start:stop]) - PITCH[note]) < 0.05 * PITCH[note]


def test_sound_clip_carries_the_beeps_pitch_and_every_clip_is_short():
    audio = render(np.random.default_rng(1), Scene("sound", ("beep", "hiss", "beep")), "easy")
    (a, b), _, (c, d) = _events(audio)
    assert abs(_dominant_hz(audio[a:b]) - 1500) < 60 and abs(_dominant_hz(audio[c:d]) - 1500) < 60
    rng = np.random.default_rng(2)
    for task in ALPHABETS:
        for difficulty in ("easy", "medium", "hard"):
            scene, _ = sample_question(rng, task, difficulty)
            clip = render(rng, scene, difficulty)
            assert clip.dtype == np.float32 and 0.3 < len(clip) / SAMPLE_RATE <= 1.8
            assert 0.5 < np.abs(clip).max() <= 0.9 + 1e-6


@pytest.mark.parametrize("question, listing, answer", [
    (Question("sound", "count_of", "beep"), ["beep", "hiss", "beep"], "2"),
    (Question("sound", "count_of", "knock"), ["beep", "hiss"], "0"),  # an absent event counts 0
    (Question("speech", "count_total"), ["ah", "ee", "ah", "oo"], "4"),
    (Question("speech", "most_frequent"), ["ah", "ee", "ee", "oo"], "ee"),
    (Question("sound", "first"), ["buzz", "hiss"], "buzz"),
    (Question("sound", "last"), ["buzz", "hiss"], "hiss"),
    (Question("music", "pitch_trend"), ["C4", "G4", "E4"], "Higher"),  # E4 (330 Hz) above C4 (262 Hz)
    (Question("music", "pitch_trend"), ["C5", "C4"], "Lower"),
    (Question("music", "pitch_trend"), ["E4", "C5", "E4"], "The same"),
])
def test_answer_follows_the_listing(question, listing, answer):
    assert answer_of(question, listing) == answer


def test_questions_are_well_posed_and_imagined_events_change_the_answer():
    rng = np.random.default_rng(3)
    changed, total = 0, 0
    for task in ALPHABETS:
        for _ in range(150):
            scene, q = sample_question(rng, task, ["easy", "medium", "hard"][int(rng.integers(3))])
            assert q.kind in KINDS[task]
            truth = answer_of(q, scene.events)
            choices = choices_of(rng, q, truth)
            assert len(set(choices)) == 4 and choices[0] == truth
            assert string_match(truth, truth, choices)
            assert not any(string_match(truth, wrong, choices) for wrong in choices[1:])  # no ambiguous choice
            listing = list(scene.events)
            for position, event in imagined_events(rng, q, listing):
                listing.insert(position, event)
            changed += answer_of(q, listing) != truth
            total += 1
    # every kind changes its answer, except most_frequent with a margin above 1 (at most 2 imagined events)
    assert changed / total > 0.9


def test_answer_at_reads_the_last_conclusion_written_in_full():
    segments = [{"text": "I hear beep.", "answer": None, "grounded": True},
                {"text": "The answer is 1.", "answer": "1", "grounded": True},
                {"text": "Wait: beep, maybe a faint beep.", "answer": None, "grounded": False},
                {"text": "The answer is 2.", "answer": "2", "grounded": False}]
    text = trace_text(segments)
    assert answer_at(segments, 5, "1") == "1"  # no conclusion yet: what the audio says
    assert answer_at(segments, len("I hear beep. The answer is"), "truth") == "truth"  # "1" not written yet
    assert answer_at(segments, len("I hear beep. The answer is 1"), "truth") == "1"
    assert answer_at(segments, len(text) - 2, "1") == "1"  # inside the last conclusion, before its "2"
    assert answer_at(segments, len(text), "1") == "2"


def test_traces_conclude_from_what_they_say_and_drift_compounds_only_in_crowded_clips():
    rng = np.random.default_rng(4)
    model = TraceModel()
    traces, truths, crowded = [], [], []
    for _ in range(900):
        task = ["sound", "music", "speech"][int(rng.integers(3))]
        scene, q = sample_question(rng, task, ["easy", "medium", "hard"][int(rng.integers(3))])
        segments = sample_trace(rng, scene, q, model)
        truth = answer_of(q, scene.events)
        assert segments[0]["grounded"]
        first = next(s for s in segments if s["answer"] is not None)
        assert first["answer"] == truth  # the first round is grounded: it concludes the truth
        for segment in segments:  # drift is spelled with drift words, grounded sentences never are
            words = set(segment["text"].lower().replace(",", " ").replace(".", " ").split())
            assert not segment["grounded"] or not words & DRIFT_WORDS
        assert all(s["grounded"] for s in segments) or is_drifted(trace_text(segments))
        conclusions = [s["answer"] for s in segments if s["answer"] is not None]
        if len(scene.events) < model.compound_min_events:  # invented qualities only: every conclusion is right
            assert set(conclusions) == {truth}
        traces.append(segments)
        truths.append(truth)
        crowded.append(len(scene.events) >= model.compound_min_events)
    crowded = np.array(crowded)
    profile = lambda mask: trace_profile([t for t, m in zip(traces, mask) if m], [y for y, m in zip(truths, mask) if m])
    sparse_table, crowded_table = profile(~crowded), profile(crowded)
    assert sparse_table.loc["all", "final_wrong"] == 0.0 and sparse_table.loc["all", "drifted"] > 25.0
    assert 30.0 < crowded_table.loc["all", "final_wrong"] < 70.0  # imagined events: the error compounds
    table = trace_profile(traces, truths)
    assert table.loc["0-19", "drifted"] == 0.0 and table.loc["40-59", "drifted"] > 50.0
    lengths = [len(trace_text(t).split()) for t in traces]
    assert min(lengths) <= 10 and max(lengths) >= 60  # short (terse) and long traces
    assert is_drifted("perhaps a beep outside") and not is_drifted("I hear beep, hiss.")


def test_a_recovered_round_drops_every_ungrounded_event():
    rng = np.random.default_rng(0)
    q = Question("sound", "count_of", "beep")
    recovering = TraceModel(drift=(0.0, 1.0, 0.0), recheck=1.0, recover=1.0, compound_min_events=2, more_cap=1.0,
                            more_base=1.0)
    segments = sample_trace(rng, Scene("sound", ("beep", "hiss", "beep", "knock", "hiss", "buzz")), q, recovering)
    assert [s["grounded"] for s in segments if s["answer"] is not None] == [True, False, True]
    assert not is_drifted(segments[-2]["text"])  # the last listing names the clip's events only
    compounding = TraceModel(drift=(0.0, 1.0, 0.0), recheck=1.0, recover=0.0, compound=1.0, compound_min_events=2,
                             more_cap=1.0, more_base=1.0)
    segments = sample_trace(rng, Scene("sound", ("beep", "hiss")), q, compounding)
    assert [s["answer"] for s in segments if s["answer"] is not None] == ["1", "1", "2"]  # quality, then an event


def test_plan_is_balanced_like_mmau():
    plan = plan_split(600, seed=3)
    assert Counter(task for task, _ in plan) == {"sound": 200, "music": 200, "speech": 200}
    # MMAU test-mini: 22.4 / 54.0 / 23.6 %
    assert Counter(d for _, d in plan) == {"easy": 135, "medium": 324, "hard": 141}
    assert plan_split(600, seed=3) == plan and plan_split(600, seed=4) != plan


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes(tmp_path):
    write_split(tmp_path / "a", "train", 18, seed=7, n_traces=2)
    write_split(tmp_path / "b", "train", 18, seed=7, n_traces=2)
    write_split(tmp_path / "c", "train", 18, seed=8, n_traces=2)
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert len(a) == 18 + 2 and a == b
    assert a["train.json"] != c["train.json"]


def test_splits_from_different_seeds_are_disjoint():
    train = [generate_item(0, "train", i, t, d) for i, (t, d) in enumerate(plan_split(30, seed=0))]
    test = [generate_item(1, "test-mini", i, t, d) for i, (t, d) in enumerate(plan_split(30, seed=1))]
    assert not {item["id"] for item, _, _ in train} & {item["id"] for item, _, _ in test}
    assert not {a.tobytes() for _, a, _ in train} & {a.tobytes() for _, a, _ in test}


def test_written_split_is_mmau_format_and_traces_fit_the_rewards(tmp_path):
    json_path = write_split(tmp_path, "train", 36, seed=2, n_traces=2)
    raw = json.loads(json_path.read_text())
    assert all(set(item) == {"id", "audio_id", "question", "choices", "answer", "dataset", "task", "split",
                             "category", "sub-category", "difficulty"} for item in raw)
    items = load_mmau(json_path)  # resolves ./train-audios/<id>.wav next to the JSON, checks they exist
    assert [item.to_mmau() for item in items] == raw
    info = sf.info(str(items[0].audio_path))
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
    traces = load_traces(tmp_path / "train-traces.json")
    assert set(traces) == {item.id for item in items} and all(len(r.traces) == 2 for r in traces.values())
    grounded = [(i, t) for i in items for t in traces[i.id].traces if all(s["grounded"] for s in t)]
    completions = [format_completion(trace_text(t), i.answer) for i, t in grounded]
    kwargs = {"answer": [i.answer for i, _ in grounded], "choices": [list(i.choices) for i, _ in grounded]}
    assert accuracy_reward(completions, **kwargs) == [1.0] * len(grounded)
    assert format_reward(completions) == [1.0] * len(grounded)


def test_load_splits_reads_the_generated_corpus(tmp_path):
    class Corpus:
        source = "synthetic"

    write_split(tmp_path, "train", 6, seed=1, n_traces=1)
    write_split(tmp_path, "test-mini", 6, seed=2)
    train, traces, test = load_splits(Corpus(), tmp_path)
    assert len(train) == len(test) == 6 and set(traces) == {i.id for i in train}
    Corpus.source = "neither"
    with pytest.raises(ValueError, match="source"):
        load_splits(Corpus(), tmp_path)


def test_trace_model_defaults_are_the_tiny_profiles():
    from dataclasses import asdict

    from replication.pipeline.profiles import composed_params

    traces = composed_params("tiny")["cesar"]["corpus"]["traces"]
    assert asdict(TraceModel()) == {**traces, "drift": tuple(traces["drift"])}
