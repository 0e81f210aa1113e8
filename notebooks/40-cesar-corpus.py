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
# # 40 · CESAR · The audio question-answering corpus
#
# CESAR trains on AVQA (plus rephrasings) and is scored on MMAU test-mini: four-choice questions about a clip,
# tasks *sound / music / speech*, difficulties *easy / medium / hard*. Offline, the `tiny` and `smoke`
# profiles generate both splits here (numpy synthesis, `replication.data.audio_qa`), in test-mini's JSON layout
# with 16 kHz wavs, plus a templated reasoning trace per training item for the SFT warm-up. The two splits come
# from disjoint generator seeds. Scoring follows MMAU's rule: a prediction is correct when it contains every
# word of the answer and no word of another choice.
#
# `paper` profile: the real AVQA training file and MMAU test-mini are read instead (nothing generated).

# %% tags=["parameters"]
params_file = "params.yaml"

# %%
import collections

import pandas as pd

from replication import configs
from replication.configs.cesar import ARTIFACTS, CesarConfig
from replication.data.audio_qa import write_split
from replication.pipeline.params import snapshot
from replication.pipeline.runlog import write_metrics
from replication.rl.cesar_setup import load_splits

profile, cfg = configs.load(CesarConfig, params_file)
corpus_dir = ARTIFACTS / "corpus"
cfg.corpus

# %%
if cfg.corpus.source == "synthetic":
    write_split(corpus_dir, "train", cfg.corpus.train_items, cfg.corpus.train_seed)
    write_split(corpus_dir, "test-mini", cfg.corpus.test_items, cfg.corpus.test_seed)
train, traces, test = load_splits(cfg.corpus, corpus_dir)
snapshot(cfg.corpus, corpus_dir / "config.json")

# %% [markdown]
# How the test split is balanced (MMAU test-mini: about 333 per task; 224 / 540 / 236 easy / medium / hard):

# %%
counts = pd.crosstab(pd.Series([i.task for i in test], name="task"),
                     pd.Series([i.difficulty for i in test], name="difficulty"), margins=True)
write_metrics("metrics/cesar/corpus.json", {
    "train_items": len(train), "test_items": len(test), "train_traces": len(traces),
    **{f"test_{k}": v for k, v in collections.Counter(i.task for i in test).items()},
})
counts

# %% [markdown]
# One training item, its prompt and its SFT target:

# %%
item = train[0]
{"question": item.question, "choices": item.choices, "answer": item.answer, "trace": traces.get(item.id, "")}
