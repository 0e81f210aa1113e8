"""Question kinds of the CESAR testbed: what is asked about a scene, how the answer follows from a list of events,
and how an imagined event changes that answer.

Every answer is a function of a *listing* (the events a reasoning trace says it heard), so the same function gives
the ground truth (the scene's own events) and the conclusion of a trace that drifted (the listing with imagined
events in it): the conclusion always follows what the trace says.

API
---
``KINDS``: task -> the question kinds asked about it (``count_of``, ``count_total``, ``most_frequent``, ``first``,
    ``last``, and for music ``pitch_trend``: "is the last note higher or lower than the first?").
``Question(task, kind, target)``: ``target`` is the event a ``count_of`` question counts ("" otherwise).
``sample_question(rng, task, difficulty) -> (Scene, Question)``: a scene and a well-posed question about it (a
    ``most_frequent`` scene has a single most frequent event).
``question_text(q) -> str``; ``answer_of(q, listing) -> str``; ``choices_of(rng, q, answer) -> list[str]``
    (the answer and 3 distractors, unshuffled, answer first).
``reasoning_of(rng, q, listing) -> str``: the sentence that derives the answer from the listing (style drawn).
``imagined_events(rng, q, listing) -> list[(position, event)]``: events to insert into the listing, in order
    (each position counts the insertions before it), so that its conclusion changes: the hallucination of a
    drifting trace.
``CATEGORY``: kind -> MMAU category ("Information Extraction" / "Reasoning").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replication.data.audio_qa.scenes import ALPHABETS, NOUNS, PITCH, Scene, event_count

KINDS = {
    "sound": ("count_of", "count_total", "most_frequent", "first", "last"),
    "music": ("count_of", "count_total", "most_frequent", "first", "last", "pitch_trend"),
    "speech": ("count_of", "count_total", "most_frequent", "first", "last"),
}
CATEGORY = {"count_of": "Reasoning", "count_total": "Information Extraction", "most_frequent": "Reasoning",
            "first": "Information Extraction", "last": "Information Extraction", "pitch_trend": "Reasoning"}
TREND = ("Higher", "Lower", "The same")
TREND_CHOICES = (*TREND, "There is only one note")


@dataclass(frozen=True)
class Question:
    task: str
    kind: str
    target: str = ""


def _unique_max(events) -> bool:
    counts = sorted((events.count(e) for e in set(events)), reverse=True)
    return len(counts) == 1 or counts[0] > counts[1]


def sample_question(rng: np.random.Generator, task: str, difficulty: str) -> tuple[Scene, Question]:
    kind = KINDS[task][int(rng.integers(len(KINDS[task])))]
    alphabet = ALPHABETS[task]
    low, high = event_count(difficulty)
    n = int(rng.integers(low, high + 1))
    while True:
        events = tuple(alphabet[int(i)] for i in rng.integers(len(alphabet), size=n))
        if kind != "most_frequent" or _unique_max(events):
            break
    target = alphabet[int(rng.integers(len(alphabet)))] if kind == "count_of" else ""
    return Scene(task, events), Question(task, kind, target)


def question_text(q: Question) -> str:
    noun, plural = NOUNS[q.task]
    return {
        "count_of": f"How many times do you hear {q.target}?",
        "count_total": f"How many {plural} do you hear?",
        "most_frequent": f"Which {noun} do you hear most often?",
        "first": f"Which {noun} do you hear first?",
        "last": f"Which {noun} do you hear last?",
        "pitch_trend": "Is the last note higher or lower than the first note?",
    }[q.kind]


def _trend(first: str, last: str) -> str:
    return TREND[0] if PITCH[last] > PITCH[first] else TREND[1] if PITCH[last] < PITCH[first] else TREND[2]


def _most_frequent(listing) -> str:
    counts = {e: listing.count(e) for e in dict.fromkeys(listing)}  # ties: the one heard first
    return max(counts, key=lambda e: counts[e])


def answer_of(q: Question, listing) -> str:
    listing = list(listing)
    if q.kind == "count_of":
        return str(listing.count(q.target))
    if q.kind == "count_total":
        return str(len(listing))
    if q.kind == "most_frequent":
        return _most_frequent(listing)
    if q.kind == "first":
        return listing[0]
    if q.kind == "last":
        return listing[-1]
    if q.kind == "pitch_trend":
        return _trend(listing[0], listing[-1])
    raise ValueError(f"unknown question kind {q.kind!r}")


def choices_of(rng: np.random.Generator, q: Question, answer: str) -> list[str]:
    if q.kind in ("count_of", "count_total"):
        k = int(answer)
        start = max(0, k - int(rng.integers(4)))  # a window of 4 consecutive counts holding the answer
        window = [str(v) for v in range(start, start + 4)]
        return [answer, *[w for w in window if w != answer]]
    options = TREND_CHOICES if q.kind == "pitch_trend" else ALPHABETS[q.task]
    return [answer, *[o for o in options if o != answer]]


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def reasoning_of(rng: np.random.Generator, q: Question, listing) -> str:
    listing = list(listing)
    noun, plural = NOUNS[q.task]
    if q.kind == "count_of":
        k = listing.count(q.target)
        return _pick(rng, [f"{q.target} appears {k} times.", f"Counting {q.target} gives {k}.",
                           f"I count {k} {q.target}."])
    if q.kind == "count_total":
        return _pick(rng, [f"That is {len(listing)} {plural}.", f"Counting them gives {len(listing)}.",
                           f"I count {len(listing)} {plural}."])
    if q.kind == "most_frequent":
        counts = {e: listing.count(e) for e in dict.fromkeys(listing)}
        ranked = sorted(counts, key=lambda e: -counts[e])
        tally = ", ".join(f"{e} {counts[e]}" for e in ranked)
        return _pick(rng, [f"Counting each: {tally}.", f"{tally}, so {ranked[0]} is heard most."])
    if q.kind == "first":
        return _pick(rng, [f"The first {noun} is {listing[0]}.", f"It starts with {listing[0]}."])
    if q.kind == "last":
        return _pick(rng, [f"The last {noun} is {listing[-1]}.", f"It ends with {listing[-1]}."])
    direction = {"Higher": "goes up", "Lower": "goes down", "The same": "stays the same"}[_trend(listing[0], listing[-1])]
    return _pick(rng, [f"From {listing[0]} to {listing[-1]} the pitch {direction}.",
                       f"Comparing {listing[0]} and {listing[-1]}, the pitch {direction}."])


def imagined_events(rng: np.random.Generator, q: Question, listing) -> list[tuple[int, str]]:
    """Events that are not in the audio, placed so that the listing's conclusion changes."""
    listing = list(listing)
    alphabet = ALPHABETS[q.task]
    if q.kind == "count_of":
        return [(int(rng.integers(len(listing) + 1)), q.target)]
    if q.kind == "count_total":
        return [(int(rng.integers(len(listing) + 1)), _pick(rng, alphabet))]
    if q.kind == "most_frequent":
        top = _most_frequent(listing)
        rival = max((e for e in alphabet if e != top), key=lambda e: (listing.count(e), rng.random()))
        # enough imagined ones to overtake the true answer, at most 2 (with a wide margin the answer may survive)
        extra = min(2, listing.count(top) - listing.count(rival) + 1)
        inserted = []
        for _ in range(extra):
            inserted.append((int(rng.integers(len(listing) + len(inserted) + 1)), rival))
        return inserted
    if q.kind == "first":
        return [(0, _pick(rng, [e for e in alphabet if e != listing[0]]))]
    if q.kind == "last":
        return [(len(listing), _pick(rng, [e for e in alphabet if e != listing[-1]]))]
    truth = _trend(listing[0], listing[-1])
    return [(len(listing), _pick(rng, [e for e in alphabet if _trend(listing[0], e) != truth]))]
