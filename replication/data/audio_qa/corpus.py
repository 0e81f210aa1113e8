"""Plan and write one split of the CESAR testbed, in MMAU test-mini's layout, deterministically.

API
---
``DIFFICULTY_SHARES``: MMAU test-mini's 224 / 540 / 236 easy / medium / hard, as fractions.
``plan_split(n_items, seed) -> list[(task, difficulty)]``: a third of the items per task (sound / music /
    speech), difficulties in MMAU's proportions within each task (largest remainder), shuffled by ``seed``.
``generate_item(seed, split, index, task, difficulty, trace_model, n_traces) -> (item, audio, traces)``: one
    MMAU-format item (dict), its float32 16 kHz audio and ``n_traces`` reasoning traces drawn for it (segment
    lists, see ``traces.py``).
``write_split(out_dir, split, n_items, seed, trace_model=TraceModel(), n_traces=0) -> Path`` writes, under
    ``out_dir``: ``{split}.json`` (the items, MMAU fields only, keys sorted, ``audio_id`` =
    ``./{split}-audios/{id}.wav``), ``{split}-audios/*.wav`` (16 kHz mono PCM_16) and, when ``n_traces > 0``,
    ``{split}-traces.json`` (``[{"id", "kind", "truth", "traces": [segments, ...]}]``, for SFT; kept out of the
    items). Returns the JSON path. Same arguments -> the same bytes in every file.

Seeds: item ``index`` of ``split`` draws from ``SeedSequence([seed, crc32(split), index])``; the training split
and test-mini take different ``seed`` values (the configs do), and the split name keeps the streams apart even
if they were equal.
"""

from __future__ import annotations

import json
import uuid
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

from replication.data.audio_qa.questions import CATEGORY, answer_of, choices_of, question_text, sample_question
from replication.data.audio_qa.scenes import render
from replication.data.audio_qa.synth import SAMPLE_RATE
from replication.data.audio_qa.traces import TraceModel, sample_trace

TASKS = ("sound", "music", "speech")
DIFFICULTIES = ("easy", "medium", "hard")
DIFFICULTY_SHARES = {"easy": 224 / 1000, "medium": 540 / 1000, "hard": 236 / 1000}
DATASET_NAME = "cesar-testbed"


def _quotas(n: int, shares: dict[str, float]) -> dict[str, int]:
    """Largest-remainder apportionment of n items over the shares (ties broken in key order)."""
    exact = {k: n * v for k, v in shares.items()}
    counts = {k: int(np.floor(x)) for k, x in exact.items()}
    by_remainder = sorted(shares, key=lambda k: -(exact[k] - counts[k]))
    for k in by_remainder[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def plan_split(n_items: int, seed: int) -> list[tuple[str, str]]:
    if n_items < len(TASKS):
        raise ValueError(f"n_items must be at least {len(TASKS)} (one per task), got {n_items}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(b"plan")]))
    plan = []
    for task, n_task in _quotas(n_items, {t: 1 / len(TASKS) for t in TASKS}).items():
        plan.extend((task, d) for d, k in _quotas(n_task, DIFFICULTY_SHARES).items() for _ in range(k))
    return [plan[i] for i in rng.permutation(len(plan))]


def generate_item(seed: int, split: str, index: int, task: str, difficulty: str,
                  trace_model: TraceModel = TraceModel(), n_traces: int = 0):
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r}; allowed: {DIFFICULTIES}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(split.encode()), index]))
    item_id = str(uuid.UUID(bytes=rng.bytes(16), version=4))
    scene, question = sample_question(rng, task, difficulty)
    answer = answer_of(question, scene.events)
    choices = choices_of(rng, question, answer)
    item = {
        "id": item_id,
        "audio_id": f"./{split}-audios/{item_id}.wav",
        "question": question_text(question),
        "choices": [choices[i] for i in rng.permutation(len(choices))],
        "answer": answer,
        "dataset": DATASET_NAME,
        "task": task,
        "split": split,
        "category": CATEGORY[question.kind],
        "sub-category": question.kind,
        "difficulty": difficulty,
    }
    audio = render(rng, scene, difficulty)
    traces = [sample_trace(rng, scene, question, trace_model) for _ in range(n_traces)]
    return item, audio, traces


def write_split(out_dir, split: str, n_items: int, seed: int, trace_model: TraceModel = TraceModel(),
                n_traces: int = 0) -> Path:
    out_dir = Path(out_dir)
    audio_dir = out_dir / f"{split}-audios"
    audio_dir.mkdir(parents=True, exist_ok=True)
    items, records = [], []
    for index, (task, difficulty) in enumerate(plan_split(n_items, seed)):
        item, audio, traces = generate_item(seed, split, index, task, difficulty, trace_model, n_traces)
        sf.write(audio_dir / f"{item['id']}.wav", audio, SAMPLE_RATE, subtype="PCM_16", format="WAV")
        items.append(item)
        records.append({"id": item["id"], "kind": item["sub-category"], "truth": item["answer"], "traces": traces})
    json_path = out_dir / f"{split}.json"
    json_path.write_text(json.dumps(items, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    if n_traces > 0:
        (out_dir / f"{split}-traces.json").write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    return json_path
