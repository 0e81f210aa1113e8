"""Plan and write one split of the synthetic audio QA corpus, in MMAU test-mini's layout, deterministically.

API
---
``DIFFICULTY_SHARES``: MMAU test-mini's 224 / 540 / 236 easy / medium / hard, as fractions.
``plan_split(n_items, seed) -> list[(task, family_name, difficulty)]``
    a third of the items per task (sound / music / speech), difficulties in MMAU's proportions within each task
    (largest remainder), families of a task cycled evenly, the whole plan shuffled by ``seed``.
``generate_item(seed, split, index, family_name, difficulty) -> (item, audio, think)``
    one MMAU-format item (dict), its float32 16 kHz audio and its templated ``<think>`` text (no tags).
``write_split(out_dir, split, n_items, seed) -> Path``  writes, under ``out_dir``:
    ``{split}.json``          the items (MMAU fields only, keys sorted), audio_id = ``./{split}-audios/{id}.wav``
    ``{split}-audios/*.wav``  16 kHz mono PCM_16
    ``{split}-traces.json``   ``[{"id", "family", "multi_step", "think"}]`` for SFT (kept out of the items)
    and returns the JSON path. Same (split, n_items, seed) -> the same bytes in every file.

Seeds: item ``index`` of ``split`` draws from ``SeedSequence([seed, crc32(split), index])``; give the training
split and test-mini different ``seed`` values (the configs do), and the split name keeps the streams apart even if
they were equal.
"""

from __future__ import annotations

import json
import uuid
import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

from replication.data.audio_qa import FAMILIES, families_for
from replication.data.audio_qa.families import DIFFICULTIES, TASKS, reasoning_trace, shuffled_choices
from replication.data.audio_qa.synth import SAMPLE_RATE

DIFFICULTY_SHARES = {"easy": 224 / 1000, "medium": 540 / 1000, "hard": 236 / 1000}
DATASET_NAME = "cesar-synthetic"


def _quotas(n: int, shares: dict[str, float]) -> dict[str, int]:
    """Largest-remainder apportionment of n items over the shares (ties broken in key order)."""
    exact = {k: n * v for k, v in shares.items()}
    counts = {k: int(np.floor(x)) for k, x in exact.items()}
    by_remainder = sorted(shares, key=lambda k: -(exact[k] - counts[k]))
    for k in by_remainder[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def plan_split(n_items: int, seed: int) -> list[tuple[str, str, str]]:
    if n_items < len(TASKS):
        raise ValueError(f"n_items must be at least {len(TASKS)} (one per task), got {n_items}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(b"plan")]))
    plan = []
    for task, n_task in _quotas(n_items, {t: 1 / len(TASKS) for t in TASKS}).items():
        difficulties = [d for d, k in _quotas(n_task, DIFFICULTY_SHARES).items() for _ in range(k)]
        difficulties = [difficulties[i] for i in rng.permutation(n_task)]
        families = families_for(task)
        plan.extend((task, families[i % len(families)].name, d) for i, d in enumerate(difficulties))
    return [plan[i] for i in rng.permutation(len(plan))]


def generate_item(seed: int, split: str, index: int, family_name: str, difficulty: str):
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown difficulty {difficulty!r}; allowed: {DIFFICULTIES}")
    family = FAMILIES[family_name]
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(split.encode()), index]))
    item_id = str(uuid.UUID(bytes=rng.bytes(16), version=4))
    draft = family.make(rng, difficulty)
    item = {
        "id": item_id,
        "audio_id": f"./{split}-audios/{item_id}.wav",
        "question": draft.question,
        "choices": shuffled_choices(rng, draft),
        "answer": draft.answer,
        "dataset": DATASET_NAME,
        "task": family.task,
        "split": split,
        "category": family.category,
        "sub-category": family.sub_category,
        "difficulty": difficulty,
    }
    return item, draft.audio, reasoning_trace(draft)


def write_split(out_dir, split: str, n_items: int, seed: int) -> Path:
    out_dir = Path(out_dir)
    audio_dir = out_dir / f"{split}-audios"
    audio_dir.mkdir(parents=True, exist_ok=True)
    items, traces = [], []
    for index, (_, family_name, difficulty) in enumerate(plan_split(n_items, seed)):
        item, audio, think = generate_item(seed, split, index, family_name, difficulty)
        sf.write(audio_dir / f"{item['id']}.wav", audio, SAMPLE_RATE, subtype="PCM_16", format="WAV")
        items.append(item)
        traces.append({"id": item["id"], "family": family_name, "multi_step": FAMILIES[family_name].multi_step,
                       "think": think})
    json_path = out_dir / f"{split}.json"
    json_path.write_text(json.dumps(items, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    (out_dir / f"{split}-traces.json").write_text(json.dumps(traces, indent=1, sort_keys=True) + "\n")
    return json_path
