"""Synthetic audio question answering in MMAU test-mini's format (the stand-in for AVQA and MMAU), and loaders.

Modules: ``synth`` (signal primitives), ``families`` (the Draft / Family records, choices, reasoning traces),
``sound`` / ``music`` / ``speech`` (the question families of each MMAU task), ``corpus`` (plans and writes a
split), ``loaders`` (reads MMAU-format and AVQA-format files, generated or real).

Quick start::

    from replication.data.audio_qa import write_split, load_mmau
    write_split("data/cesar/corpus", "test-mini", n_items=600, seed=1)
    items = load_mmau("data/cesar/corpus/test-mini.json")          # list[AudioQAItem], audio paths resolved

``FAMILIES``: every question family by name (18: 5 sound, 7 music, 6 speech).
"""

from replication.data.audio_qa import music, sound, speech
from replication.data.audio_qa.families import DIFFICULTIES, TASKS, Draft, Family, reasoning_trace

FAMILIES: dict[str, Family] = {f.name: f for module in (sound, music, speech) for f in module.FAMILIES}


def families_for(task: str) -> list[Family]:
    """The families of one task (sound / music / speech), in name order."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; allowed: {TASKS}")
    return sorted((f for f in FAMILIES.values() if f.task == task), key=lambda f: f.name)


from replication.data.audio_qa.corpus import generate_item, plan_split, write_split  # noqa: E402
from replication.data.audio_qa.loaders import AudioQAItem, load_avqa, load_mmau, load_traces  # noqa: E402

__all__ = [
    "DIFFICULTIES", "TASKS", "FAMILIES", "Draft", "Family", "families_for", "reasoning_trace",
    "plan_split", "generate_item", "write_split", "AudioQAItem", "load_mmau", "load_avqa", "load_traces",
]
