"""Reasoning traces of the CESAR testbed: what the SFT model learns to think, drift into ungrounded content included.

A trace is a list of rounds. Round 1 lists the events heard (grounded: the scene's own events), derives the answer
from that list and states a conclusion. With a probability that grows with the number of events, the trace goes
on: "Wait, listening again: ..." lists the events once more and concludes again from the new list: each
conclusion follows the trace, not the audio. Drift comes in two stages, and the second needs the first
(hallucinations compound along the chain):

1. *invented qualities* (``drift[r-1]``, round r >= 2): a heard event is described with something the clip does
   not say ("maybe a faint beep", "perhaps a hiss outside"). The listing still holds the clip's events, so the
   conclusion is still right: an outcome reward cannot see this drift, the consistency reward can (it speaks of
   things neither the question nor the answer mentions);
2. *imagined events* (``compound``, only in clips of at least ``compound_min_events`` events: a crowded clip
   leaves more to fill in): a round after a drifted one adds events that are not in the audio, placed so that the
   conclusion changes. The trace is now wrong at every budget that reaches it.

After a drifted round the trace usually checks once more (``recheck``); that round may drop everything ungrounded
(``recover``: a detour; after imagined events, a budget that cuts inside it is wrong, the final answer right),
else it keeps it and may compound.

Drift is written with words no grounded sentence uses (``DRIFT_WORDS``), so a generated trace's drift can be
counted, and so that it adds content that neither the question nor the answer contains.

API
---
``TraceModel``: the probabilities (defaults are the ``tiny`` profile's ``cesar.corpus.traces``).
``sample_trace(rng, scene, question, model) -> list[Segment dict]``: ``{"text", "answer", "grounded"}`` per
    sentence; ``answer`` is set on conclusion sentences only; ``grounded`` is False in a round with drift.
``trace_text(segments) -> str``: the sentences joined by spaces (the ``<think>`` text).
``answer_at(segments, n_chars, truth) -> str``: the answer a trace cut after ``n_chars`` characters of its text
    supports: its last conclusion stated in full by then, or ``truth`` (what the audio says) when none is.
``is_drifted(text) -> bool``: the text speaks of invented qualities or imagined events (``DRIFT_WORDS``).
``trace_profile(traces, truths)``: by trace length, the share that drifts, ends wrong or makes a detour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from replication.data.audio_qa.questions import Question, answer_of, imagined_events, reasoning_of
from replication.data.audio_qa.scenes import Scene

HEDGES = ("maybe", "perhaps")
ADJECTIVES = ("faint", "distant", "muffled")
PLACES = ("far away", "outside", "behind me")
DRIFT_WORDS = frozenset(w for phrase in (*HEDGES, *ADJECTIVES, *PLACES) for w in phrase.split()) - {"me"}
FIRST_OPENERS = ("I hear", "First, I listen:", "Listening, I hear", "The clip has")
AGAIN_OPENERS = ("Wait, listening again:", "Let me check again:", "Listening once more:")
CONNECTIVES = ("So", "Therefore,", "Thus", "Hence", "")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class TraceModel:
    """How traces are drawn. After a grounded round, P(another) = min(more_cap, more_base + more_per_event * n) *
    more_decay^(r-1) (r rounds so far, n events); a grounded round r gains invented qualities with probability
    ``drift[r-1]``. After a drifted round, P(another) = ``recheck``; it recovers (drops everything ungrounded) with
    probability ``recover``, else keeps it and, in a clip of at least ``compound_min_events`` events without
    imagined events yet, adds them with probability ``compound``."""

    terse: float = 0.25  # share of first rounds with no opener and no derivation ("beep, hiss. The answer is 1.")
    more_base: float = 0.05
    more_per_event: float = 0.12
    more_cap: float = 0.9
    more_decay: float = 0.7
    drift: tuple[float, ...] = (0.0, 0.8, 0.6, 0.6)  # per round; its length is the largest number of rounds
    recheck: float = 0.9
    recover: float = 0.1
    compound: float = 1.0
    compound_min_events: int = 6


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _imagined(rng: np.random.Generator, event: str) -> str:
    """``maybe a faint beep`` or ``perhaps a beep outside``: a hedge, the event, and an adjective or a place (an
    invented quality of a heard event, or an imagined event: the words are the same)."""
    if rng.random() < 0.5:
        return f"{_pick(rng, HEDGES)} a {_pick(rng, ADJECTIVES)} {event}"
    return f"{_pick(rng, HEDGES)} a {event} {_pick(rng, PLACES)}"


def _conclusion(rng: np.random.Generator, answer: str) -> str:
    connective = _pick(rng, CONNECTIVES)
    return f"{connective} the answer is {answer}." if connective else f"The answer is {answer}."


HEARD, QUALITY, IMAGINED = "heard", "quality", "imagined"  # how a listing names each event


def _drift_round(rng: np.random.Generator, question: Question, listing: list, n_events: int,
                 model: TraceModel) -> list:
    """The listing of a round after a drifted one: recovered, kept, or compounded with imagined events."""
    if rng.random() < model.recover:
        return [(e, HEARD) for e, mark in listing if mark != IMAGINED]
    if (n_events >= model.compound_min_events and all(mark != IMAGINED for _, mark in listing)
            and rng.random() < model.compound):
        listing = list(listing)
        for position, event in imagined_events(rng, question, [e for e, _ in listing]):
            listing.insert(position, (event, IMAGINED))
    return listing


def _with_qualities(rng: np.random.Generator, listing: list) -> list:
    """One heard event described with a quality the clip does not have (the listing's events are unchanged)."""
    listing = list(listing)
    index = int(rng.integers(len(listing)))
    listing[index] = (listing[index][0], QUALITY)
    return listing


def sample_trace(rng: np.random.Generator, scene: Scene, question: Question, model: TraceModel) -> list[dict]:
    listing = [(event, HEARD) for event in scene.events]
    n = len(scene.events)
    p_more = min(model.more_cap, model.more_base + model.more_per_event * n)
    segments = []
    for round_index in range(len(model.drift)):
        drifted = any(mark != HEARD for _, mark in listing)
        if round_index > 0:
            p_next = model.recheck if drifted else p_more * model.more_decay ** (round_index - 1)
            if rng.random() >= p_next:
                break
        if drifted:
            listing = _drift_round(rng, question, listing, n, model)
        elif rng.random() < model.drift[round_index]:
            listing = _with_qualities(rng, listing)
        events = [e for e, _ in listing]
        spoken = ", ".join(e if mark == HEARD else _imagined(rng, e) for e, mark in listing)
        grounded = all(mark == HEARD for _, mark in listing)
        terse = round_index == 0 and rng.random() < model.terse
        opener = "" if terse else _pick(rng, FIRST_OPENERS if round_index == 0 else AGAIN_OPENERS)
        sentence = f"{opener} {spoken}." if opener else f"{spoken[0].upper()}{spoken[1:]}."
        segments.append({"text": sentence, "answer": None, "grounded": grounded})
        if round_index == 0 and not terse:  # later rounds only re-list and re-conclude
            segments.append({"text": reasoning_of(rng, question, events), "answer": None, "grounded": grounded})
        answer = answer_of(question, events)
        segments.append({"text": _conclusion(rng, answer), "answer": answer, "grounded": grounded})
    return segments


def trace_text(segments: list[dict]) -> str:
    return " ".join(segment["text"] for segment in segments)


def answer_at(segments: list[dict], n_chars: int, truth: str) -> str:
    answer, start = truth, 0
    for segment in segments:
        end = start + len(segment["text"].rstrip("."))  # the conclusion counts once its answer is written out
        if segment["answer"] is not None and end <= n_chars:
            answer = segment["answer"]
        start += len(segment["text"]) + 1
    return answer


def is_drifted(text: str) -> bool:
    return not DRIFT_WORDS.isdisjoint(_WORDS.findall(text.lower()))


LENGTH_BINS = (0, 20, 40, 60, 80, 1000)  # words


def trace_profile(traces: list[list[dict]], truths: list[str]):
    """A table by trace length (words): how many traces, the share (%) with an imagined event, whose last
    conclusion contradicts the audio (``final_wrong``), and that made a detour (a wrong conclusion on the way,
    the right one at the end); the last row, ``all``, is every trace."""
    import pandas as pd

    rows = []
    for segments, truth in zip(traces, truths):
        conclusions = [s["answer"] for s in segments if s["answer"] is not None]
        rows.append({"words": len(trace_text(segments).split()), "drifted": 100.0 * is_drifted(trace_text(segments)),
                     "final_wrong": 100.0 * (conclusions[-1] != truth),
                     "detour": 100.0 * (conclusions[-1] == truth and any(c != truth for c in conclusions))})
    frame = pd.DataFrame(rows)
    frame["length"] = pd.cut(frame["words"], LENGTH_BINS, right=False,
                             labels=[f"{a}-{b - 1}" for a, b in zip(LENGTH_BINS, LENGTH_BINS[1:])])
    table = frame.groupby("length", observed=True)[["drifted", "final_wrong", "detour"]].mean()
    table.insert(0, "n", frame.groupby("length", observed=True).size())
    table.loc["all"] = [len(frame), *frame[["drifted", "final_wrong", "detour"]].mean()]
    return table
