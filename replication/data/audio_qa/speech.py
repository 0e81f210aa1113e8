"""Speech-task question families on synthetic (formant-synthesised) voices: vowel identity, speaker type, syllable
count, intonation, and two compare families (speaker pitch, syllables of two words).

API: ``FAMILIES``, a list of ``Family`` (see ``families.py``); each ``make(rng, difficulty) -> Draft``.
Vowel formants (F1, F2, F3 in Hz) follow Peterson & Barney (1952), adult male averages.
"""

from __future__ import annotations

import numpy as np

from replication.data.audio_qa import synth as s
from replication.data.audio_qa.families import Draft, Family, article, pick_distractors, window_distractors
from replication.data.audio_qa.sound import _noisy

VOWELS = {  # label -> (F1, F2, F3)
    "ah as in father": (730, 1090, 2440),
    "ee as in see": (270, 2290, 3010),
    "oo as in boot": (300, 870, 2240),
    "eh as in bed": (530, 1840, 2480),
    "aw as in saw": (570, 840, 2410),
}
SPEAKERS = {"A man": (100, 130), "A woman": (190, 230), "A child": (290, 340)}  # F0 range, Hz


def _syllables(rng, n: int, f0: float, gap: float, start: float = 0.1) -> tuple[list, float]:
    """n vowel syllables of 0.18 s separated by ``gap``; returns (events, end time)."""
    events, t = [], start
    for _ in range(n):
        formants = list(VOWELS.values())[int(rng.integers(len(VOWELS)))]
        events.append((t, s.vowel(formants, f0 * float(rng.uniform(0.95, 1.05)), 0.18), 1.0))
        t += 0.18 + gap
    return events, t


def vowel_identity(rng, difficulty) -> Draft:
    answer = list(VOWELS)[int(rng.integers(len(VOWELS)))]
    f0 = float(rng.uniform(100, 140)) if difficulty == "easy" else float(rng.uniform(100, 300))
    seconds = {"easy": 1.0, "medium": 0.6, "hard": 0.3}[difficulty]
    # vocal-tract length varies between speakers: formants scale together (hard items: up to about +-15 %)
    spread = {"easy": 0.0, "medium": 0.07, "hard": 0.15}[difficulty]
    scale = float(rng.uniform(1 - spread, 1 + spread)) if spread else 1.0
    formants = [f * scale for f in VOWELS[answer]]
    f1, f2 = round(formants[0]), round(formants[1])
    return Draft(
        _noisy(rng, s.place(seconds + 0.2, [(0.1, s.vowel(formants, f0, seconds), 1.0)]), difficulty),
        "Which vowel sound is spoken?", answer, pick_distractors(rng, list(VOWELS), answer),
        [f"a sustained voiced vowel with formants near {f1} Hz and {f2} Hz"],
        [f"a first formant of {f1} Hz and a second formant of {f2} Hz match the vowel {answer.split()[0]}"],
    )


def speaker_type(rng, difficulty) -> Draft:
    answer = [*SPEAKERS, "Someone whispering"][int(rng.integers(4))]
    seconds = {"easy": 1.0, "medium": 0.6, "hard": 0.35}[difficulty]
    formants = list(VOWELS.values())[int(rng.integers(len(VOWELS)))]
    if answer == "Someone whispering":
        voice, fact = s.vowel(formants, 0.0, seconds, rng=rng, whisper=True), "a breathy, noisy voice with no pitch"
        step = "without a fundamental frequency the voice is unvoiced"
    else:
        f0 = float(rng.uniform(*SPEAKERS[answer]))
        voice, fact = s.vowel(formants, f0, seconds), f"a voiced vowel with a fundamental frequency near {f0:.0f} Hz"
        step = f"a pitch of {f0:.0f} Hz is typical of {answer.lower()}"
    return Draft(
        _noisy(rng, s.place(seconds + 0.2, [(0.1, voice, 1.0)]), difficulty), "Who is most likely speaking?", answer,
        [o for o in (*SPEAKERS, "Someone whispering") if o != answer], [fact], [step],
    )


def syllable_count(rng, difficulty) -> Draft:
    n = int(rng.integers(*{"easy": (1, 4), "medium": (2, 6), "hard": (3, 7)}[difficulty]))
    gap = {"easy": 0.15, "medium": 0.08, "hard": 0.04}[difficulty]
    events, end = _syllables(rng, n, float(rng.uniform(100, 250)), gap)
    return Draft(
        _noisy(rng, s.place(end + 0.1, events), difficulty), "How many syllables are spoken?", str(n),
        window_distractors(rng, [str(k) for k in range(1, 12)], str(n)),
        ["a voice utters short vowel syllables, each with its own amplitude peak"],
        [f"counting the syllable onsets gives {n}"],
    )


INTONATION = {"Rising": (0.7, 1.3), "Falling": (1.3, 0.7), "Flat": (1.0, 1.0), "Arched": None}


def intonation(rng, difficulty) -> Draft:
    answer = list(INTONATION)[int(rng.integers(len(INTONATION)))]
    depth = {"easy": 1.0, "medium": 0.6, "hard": 0.35}[difficulty]  # fraction of the full F0 glide
    f0 = float(rng.uniform(110, 220))
    formants = list(VOWELS.values())[int(rng.integers(len(VOWELS)))]
    if INTONATION[answer] is None:
        peak = f0 * (1 + 0.3 * depth)
        voice = np.concatenate([s.vowel(formants, f0, 0.5, f0_end_hz=peak), s.vowel(formants, peak, 0.5, f0_end_hz=f0)])
        fact = f"the pitch glides up from {f0:.0f} Hz to {peak:.0f} Hz and back down"
    else:
        a, b = (1 + depth * (g - 1) for g in INTONATION[answer])
        voice = s.vowel(formants, f0 * a, 1.0, f0_end_hz=f0 * b)
        fact = f"the pitch moves from {f0 * a:.0f} Hz to {f0 * b:.0f} Hz"
    return Draft(
        _noisy(rng, s.place(1.2, [(0.1, voice, 1.0)]), difficulty),
        "What is the intonation contour of the utterance?", answer, [o for o in INTONATION if o != answer],
        [fact], [f"that prosody is {article(answer.lower())} intonation"],
    )


def speaker_compare(rng, difficulty) -> Draft:
    ratio = {"easy": 1.8, "medium": 1.35, "hard": 1.15}[difficulty]
    low = float(rng.uniform(95, 160))
    higher = ["first", "second", None][int(rng.integers(3))]
    f0 = {"first": low, "second": low}
    if higher:
        f0[higher] = low * ratio
    formants = list(VOWELS.values())[int(rng.integers(len(VOWELS)))]
    audio = s.place(1.6, [(0.1, s.vowel(formants, f0["first"], 0.6), 1.0), (0.9, s.vowel(formants, f0["second"], 0.6), 1.0)])
    answer = {"first": "The first speaker", "second": "The second speaker", None: "Both have the same pitch"}[higher]
    return Draft(
        _noisy(rng, audio, difficulty), "Which of the two speakers has the higher-pitched voice?", answer,
        [o for o in ("The first speaker", "The second speaker", "Both have the same pitch", "Nobody speaks")
         if o != answer],
        [f"the first voice has a fundamental frequency near {f0['first']:.0f} Hz",
         f"the second voice is near {f0['second']:.0f} Hz"],
        ["comparing the two pitches decides which voice is higher"],
    )


def syllable_compare(rng, difficulty) -> Draft:
    spread = {"easy": (2, 4), "medium": (1, 3), "hard": (0, 2)}[difficulty]
    first = int(rng.integers(1, 4))
    second = max(1, first + int(rng.choice([-1, 1])) * int(rng.integers(*spread)))
    gap = {"easy": 0.1, "medium": 0.07, "hard": 0.04}[difficulty]
    f0 = float(rng.uniform(100, 250))
    events1, end1 = _syllables(rng, first, f0, gap)
    events2, end2 = _syllables(rng, second, f0, gap, start=end1 + 0.45)  # the long pause separates the words
    answer = "The first word" if first > second else "The second word" if second > first else "Both are equally long"
    relation = "more than" if first > second else "fewer than" if first < second else "as many as"
    return Draft(
        _noisy(rng, s.place(end2 + 0.1, events1 + events2), difficulty),
        "Two words are spoken, separated by a pause. Which word has more syllables?", answer,
        [o for o in ("The first word", "The second word", "Both are equally long", "No word is spoken") if o != answer],
        ["a voice speaks two groups of syllables with a long pause between them"],
        [f"counting the first word's syllables gives {first}", f"counting the second word's syllables gives {second}",
         f"comparing, {first} is {relation} {second}"],
    )


FAMILIES = [
    Family("vowel_identity", "speech", "Information Extraction", "Phonetics", vowel_identity),
    Family("speaker_type", "speech", "Reasoning", "Speaker Identification", speaker_type),
    Family("syllable_count", "speech", "Information Extraction", "Syllable Counting", syllable_count),
    Family("intonation", "speech", "Information Extraction", "Prosody", intonation),
    Family("speaker_compare", "speech", "Reasoning", "Speaker Comparison", speaker_compare, multi_step=True),
    Family("syllable_compare", "speech", "Reasoning", "Syllable Count Comparison", syllable_compare, multi_step=True),
]
