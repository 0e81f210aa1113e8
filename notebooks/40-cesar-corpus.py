# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 40 · CESAR · A controlled testbed for test-time inverse scaling
#
# CESAR trains on AVQA and is scored on MMAU test-mini: four-choice questions about a clip, tasks
# *sound / music / speech*, difficulties *easy / medium / hard*. Its claim is about a failure: with outcome-only
# rewards, an audio LLM's accuracy *falls* as it is allowed to think longer, because nothing rewards the
# reasoning itself. A toy model trained from scratch on a generic corpus shows no such failure (the previous
# tiny run: slopes +0.13 ± 0.13 points per token), so the `tiny` and `smoke` profiles generate a testbed
# designed so that the failure exists and can be measured:
#
# - **perception a toy audio encoder learns**: a clip is a sequence of 2-7 distinct events from a four-event
#   alphabet per task (sound: beep / buzz / hiss / knock; music: C4 / E4 / G4 / C5; speech: the vowels ah / ee /
#   oo / eh); the questions ask for counts, the order (first, last), the most frequent event, and for music
#   whether the last note is higher or lower than the first. Difficulty is the number of events (2-3 / 4-5 / 6-7).
# - **reasoning traces that describe what is heard**: "I hear beep, hiss, beep. beep appears 2 times. So the
#   answer is 2." Longer clips are checked again more often ("Wait, listening again: ..."), and every conclusion
#   follows what the trace says. Drift comes in two stages, the second only after the first (hallucinations
#   compound along the chain): a later round describes a heard event with a quality the clip does not have
#   ("maybe a faint beep", "perhaps a hiss outside"), which leaves the answer right; and in a crowded clip (6-7
#   events, the hard items) a round after that adds events that are not in the audio, placed so that the
#   conclusion changes. Drift grows with the trace's length: no 20-word trace drifts, most 60-word ones do.
# - **an outcome reward that cannot see the drift**: GRPO's prompts are the easy and medium training clips
#   (`grpo.difficulties`), where drift never changes an answer, while test-mini has MMAU's mix, hard clips
#   included. This is the testbed's stand-in for training on AVQA and scoring on MMAU: only a reward on the
#   reasoning itself (CESAR's consistency term) sees ungrounded content where it does no harm yet.
# - **short and cut traces for SFT**: a quarter of first rounds are terse; the SFT stage also cuts traces at a
#   random token and closes them by force, so budget forcing at any L produces a shape the model has seen.
#
# Both splits are written in test-mini's JSON layout with 16 kHz wavs, from disjoint generator seeds; the traces
# (several per training item) sit beside the training split. Scoring follows MMAU's rule: a prediction is
# correct when it holds every word of the answer and no word of another choice.
#
# `paper` profile: the real AVQA training file and MMAU test-mini are read instead (nothing generated).

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import collections
import math

import pandas as pd

from replication import configs
from replication.configs.cesar import ARTIFACTS, CesarConfig
from replication.data.audio_qa import TraceModel, load_splits, trace_text, write_split
from replication.data.audio_qa.traces import trace_profile
from replication.eval.reward_separation import reward_separation
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import write_metrics

profile, cfg = configs.load(CesarConfig, params_file)
corpus_dir = ARTIFACTS / "corpus"
trace_model = TraceModel(**{**cfg.corpus.traces.model_dump(), "drift": tuple(cfg.corpus.traces.drift)})
trace_model

# %%
if cfg.corpus.source == "synthetic":
    write_split(corpus_dir, "train", cfg.corpus.train_items, cfg.corpus.train_seed, trace_model,
                cfg.corpus.traces_per_item)
    write_split(corpus_dir, "test-mini", cfg.corpus.test_items, cfg.corpus.test_seed)
train, traces, test = load_splits(cfg.corpus, corpus_dir)
snapshot(cfg.corpus, corpus_dir / "config.json")

# %% [markdown]
# How the test split is balanced (MMAU test-mini: about 333 per task; 224 / 540 / 236 easy / medium / hard), and
# the question kinds:

# %%
counts = pd.crosstab(pd.Series([i.task for i in test], name="task"),
                     pd.Series([i.difficulty for i in test], name="difficulty"), margins=True)
kinds = collections.Counter(i.sub_category for i in test)
counts, dict(kinds)

# %% [markdown]
# What the traces are: by length (in words; the SFT stage counts tokens), the share that drifts (invented
# qualities or imagined events), the share whose last conclusion contradicts the audio, and the share that made
# a detour (a wrong conclusion on the way, the right one at the end); then the same by difficulty: on easy and
# medium clips, the ones GRPO trains on, no trace ends wrong.

# %%
difficulty_of = {item.id: item.difficulty for item in train}
drawn = [(segments, record.truth, difficulty_of[i]) for i, record in traces.items() for segments in record.traces]
profile_table = trace_profile([t for t, _, _ in drawn], [y for _, y, _ in drawn]) if traces else None
by_difficulty = pd.DataFrame({
    d: trace_profile([t for t, _, g in drawn if g == d], [y for _, y, g in drawn if g == d]).loc["all"]
    for d in sorted({g for _, _, g in drawn})}).T
profile_table, by_difficulty

# %% [markdown]
# **Do the process rewards see the difference?** On these generated traces, the consistency reward
# $\tfrac12[\mathrm{Sim}(t, \hat y) + \mathrm{Sim}(t, Q)]$ of grounded traces against drifted ones, and of a
# trace with its own conclusion against the same trace with a wrong choice as the answer; the keyword reward's
# spread (it must not saturate on the template).

# %%
separation = reward_separation(train, traces) if traces else {}
separation = {k: v for k, v in separation.items() if math.isfinite(v)}  # a tiny corpus may lack one kind
write_metrics("metrics/cesar/corpus.json", {
    "train_items": len(train), "test_items": len(test), "train_traces": sum(len(r.traces) for r in traces.values()),
    **{f"test_{k}": v for k, v in collections.Counter(i.task for i in test).items()},
    **({f"traces_{k}": float(v) for k, v in profile_table.loc["all"].items()} if traces else {}),
    **{f"traces_{k}_{d}": float(row[k]) for d, row in by_difficulty.iterrows() for k in ("drifted", "final_wrong")},
    **separation,
})
pd.Series(separation).round(3)

# %% [markdown]
# One training item and two of its traces:

# %%
item = train[0]
{"question": item.question, "choices": item.choices, "answer": item.answer,
 "traces": [trace_text(t) for t in traces[item.id].traces[:2]] if traces else []}
