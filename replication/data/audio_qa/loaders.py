"""Loaders for audio QA files: MMAU-format JSON (the real test-mini or our generated splits) and AVQA training data.

API
---
``AudioQAItem``: frozen record: ``id, audio_path, question, choices, answer, task, difficulty, category,
  sub_category, dataset, split``; ``to_mmau()`` gives the MMAU dict back (``audio_id`` relative, as read).
``load_mmau(json_path, audio_dir=None, require_audio=True) -> list[AudioQAItem]``
    MMAU test-mini format: a JSON list of objects with ``id, audio_id, question, choices, answer, dataset, task,
    split, category, sub-category, difficulty``. ``audio_id`` (``./test-mini-audios/<id>.wav`` in the release) is
    resolved against the JSON file's folder, or, with ``audio_dir``, taken as ``audio_dir / <file name>``.
    ``require_audio=False`` skips the existence check (the real question file ships without audio).
``load_avqa(path, audio_dir=None, require_audio=True) -> list[AudioQAItem]``
    AVQA training data in R1-AQA's format (the paper lineage's own preprocessing of AVQA ``train_qa.json``):
    JSON Lines (one object per line) or a JSON list, each object with
      ``id`` (int or str), ``question_text`` (str), ``multi_choice`` (list of str), ``answer`` (int index into
      ``multi_choice``), ``audio_path`` (str: absolute, or relative to ``audio_dir`` / the file's folder),
      optional ``dataset_name``, ``question_type``, ``question_relation``, ``video_name``, ``video_id``.
    AVQA has no task or difficulty labels: items get ``task="sound"`` (its questions are about sound events),
    ``difficulty="unlabelled"``, ``category`` = question_type, ``sub_category`` = question_relation.
``load_traces(path) -> dict[id, TraceRecord]``: the reasoning traces written beside a generated split.
``load_splits(corpus, corpus_dir) -> (train items, traces, test items)``: what every CESAR stage reads; ``corpus``
    is the ``cesar.corpus`` config (``source`` synthetic: the generated splits under ``corpus_dir``; real: AVQA and
    MMAU test-mini from its paths, no traces).

Malformed files raise ``ValueError`` naming the item and the field: nothing is silently dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

MMAU_FIELDS = ("id", "audio_id", "question", "choices", "answer", "dataset", "task", "split", "category",
               "sub-category", "difficulty")
AVQA_FIELDS = ("id", "question_text", "multi_choice", "answer", "audio_path")


@dataclass(frozen=True)
class AudioQAItem:
    id: str
    audio_path: Path
    question: str
    choices: tuple[str, ...]
    answer: str
    task: str
    difficulty: str
    category: str
    sub_category: str
    dataset: str
    split: str
    audio_id: str = ""

    def to_mmau(self) -> dict:
        return {"id": self.id, "audio_id": self.audio_id or str(self.audio_path), "question": self.question,
                "choices": list(self.choices), "answer": self.answer, "dataset": self.dataset, "task": self.task,
                "split": self.split, "category": self.category, "sub-category": self.sub_category,
                "difficulty": self.difficulty}


def _check_audio(items: list[AudioQAItem], source: Path) -> None:
    missing = [item for item in items if not item.audio_path.is_file()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} of {len(items)} audio files named in {source} are missing, "
                                f"e.g. {missing[0].audio_path} (pass audio_dir=, or require_audio=False)")


def _choices(raw, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(c, str) for c in raw):
        raise ValueError(f"{where}: choices must be a list of at least 2 strings, got {raw!r}")
    return tuple(raw)


def load_mmau(json_path, audio_dir=None, require_audio: bool = True) -> list[AudioQAItem]:
    json_path = Path(json_path)
    raw = json.loads(json_path.read_text())
    if not isinstance(raw, list):
        raise ValueError(f"{json_path}: MMAU files are a JSON list of items, got {type(raw).__name__}")
    items = []
    for k, obj in enumerate(raw):
        where = f"{json_path} item {k}"
        missing = [f for f in MMAU_FIELDS if f not in obj]
        if missing:
            raise ValueError(f"{where}: missing MMAU fields {missing}")
        choices = _choices(obj["choices"], where)
        if obj["answer"] not in choices:
            raise ValueError(f"{where}: answer {obj['answer']!r} is not one of the choices {list(choices)}")
        audio_id = obj["audio_id"]
        path = Path(audio_dir) / Path(audio_id).name if audio_dir is not None else json_path.parent / audio_id
        items.append(AudioQAItem(
            id=str(obj["id"]), audio_path=path, question=obj["question"], choices=choices, answer=obj["answer"],
            task=obj["task"], difficulty=obj["difficulty"], category=obj["category"],
            sub_category=obj["sub-category"], dataset=obj["dataset"], split=obj["split"], audio_id=audio_id,
        ))
    if require_audio:
        _check_audio(items, json_path)
    return items


def _read_records(path: Path) -> list[dict]:
    text = path.read_text()
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_avqa(path, audio_dir=None, require_audio: bool = True) -> list[AudioQAItem]:
    path = Path(path)
    base = Path(audio_dir) if audio_dir is not None else path.parent
    items = []
    for k, obj in enumerate(_read_records(path)):
        where = f"{path} record {k}"
        missing = [f for f in AVQA_FIELDS if f not in obj]
        if missing:
            raise ValueError(f"{where}: missing AVQA (R1-AQA format) fields {missing}")
        choices = _choices(obj["multi_choice"], where)
        index = obj["answer"]
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(choices):
            raise ValueError(f"{where}: answer must be an index into multi_choice (0..{len(choices) - 1}), got {index!r}")
        audio = Path(obj["audio_path"])
        items.append(AudioQAItem(
            id=str(obj["id"]), audio_path=audio if audio.is_absolute() else base / audio,
            question=obj["question_text"], choices=choices, answer=choices[index], task="sound",
            difficulty="unlabelled", category=obj.get("question_type", ""),
            sub_category=obj.get("question_relation", ""), dataset=obj.get("dataset_name", "AVQA"), split="train",
            audio_id=obj["audio_path"],
        ))
    if require_audio:
        _check_audio(items, path)
    return items


@dataclass(frozen=True)
class TraceRecord:
    """The traces drawn for one training item: segment lists (``traces.py``), its question kind and answer."""

    kind: str
    truth: str
    traces: tuple[tuple[dict, ...], ...]


def load_traces(path) -> dict[str, TraceRecord]:
    records = json.loads(Path(path).read_text())
    return {r["id"]: TraceRecord(r["kind"], r["truth"], tuple(tuple(t) for t in r["traces"])) for r in records}


def load_splits(corpus, corpus_dir) -> tuple[list[AudioQAItem], dict[str, TraceRecord], list[AudioQAItem]]:
    corpus_dir = Path(corpus_dir)
    if corpus.source == "synthetic":
        return (load_mmau(corpus_dir / "train.json"), load_traces(corpus_dir / "train-traces.json"),
                load_mmau(corpus_dir / "test-mini.json"))
    if corpus.source == "real":
        return (load_avqa(corpus.avqa_path, audio_dir=corpus.avqa_audio_dir), {},
                load_mmau(corpus.mmau_path, audio_dir=corpus.mmau_audio_dir))
    raise ValueError(f"unknown corpus source {corpus.source!r}; allowed: synthetic, real")
