"""The CESAR testbed: synthetic audio question answering in MMAU test-mini's format, and the loaders.

Modules: ``synth`` (signal primitives), ``scenes`` (event alphabets per task and the clip of a scene),
``questions`` (question kinds, answers derived from a list of events, imagined events that change them),
``traces`` (reasoning traces that can drift: invented qualities, then imagined events), ``corpus`` (plans and writes a split),
``loaders`` (reads MMAU-format and AVQA-format files, generated or real; the splits of a stage).

Quick start::

    from replication.data.audio_qa import write_split, load_mmau
    write_split("data/cesar/corpus", "test-mini", n_items=600, seed=1)
    items = load_mmau("data/cesar/corpus/test-mini.json")          # list[AudioQAItem], audio paths resolved
"""

from replication.data.audio_qa.corpus import DIFFICULTIES, TASKS, generate_item, plan_split, write_split
from replication.data.audio_qa.loaders import AudioQAItem, load_avqa, load_mmau, load_splits, load_traces
from replication.data.audio_qa.traces import TraceModel, answer_at, is_drifted, sample_trace, trace_text

__all__ = [
    "DIFFICULTIES", "TASKS", "plan_split", "generate_item", "write_split", "AudioQAItem", "load_mmau",
    "load_avqa", "load_traces", "load_splits", "TraceModel", "sample_trace", "trace_text", "answer_at",
    "is_drifted",
]
