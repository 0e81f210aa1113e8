"""Music-task question families: pitch comparison, melodic contour, interval, chord quality, tempo, timbre, tempo change.

API: ``FAMILIES``, a list of ``Family`` (see ``families.py``); each ``make(rng, difficulty) -> Draft``.
Difficulty narrows the pitch / tempo differences and adds background noise.
"""

from __future__ import annotations

import numpy as np

from replication.data.audio_qa import synth as s
from replication.data.audio_qa.families import Draft, Family, article, pick_distractors, window_distractors
from replication.data.audio_qa.sound import _noisy


def _note(midi: float, seconds: float, waveform: str = "sine") -> np.ndarray:
    return s.envelope(s.tone(s.midi_to_hz(midi), seconds, waveform), 0.01, 0.05)


def _sequence(notes, seconds: float = 0.45, gap: float = 0.1, waveform: str = "sine") -> np.ndarray:
    events = [(0.1 + i * (seconds + gap), _note(m, seconds, waveform), 1.0) for i, m in enumerate(notes)]
    return s.place(0.2 + len(notes) * (seconds + gap), events)


def pitch_compare(rng, difficulty) -> Draft:
    step = int(rng.integers(*{"easy": (5, 13), "medium": (2, 5), "hard": (1, 2)}[difficulty]))
    first = int(rng.integers(55, 76))
    direction = ["higher", "lower", "same"][int(rng.integers(3))]
    second = first + {"higher": step, "lower": -step, "same": 0}[direction]
    options = {"higher": "The second note is higher", "lower": "The second note is lower",
               "same": "Both notes have the same pitch"}
    answer = options[direction]
    f1, f2 = s.midi_to_hz(first), s.midi_to_hz(second)
    return Draft(
        _noisy(rng, _sequence([first, second]), difficulty),
        "Compared with the first note, is the second note higher or lower in pitch?", answer,
        [o for o in (*options.values(), "There is only one note") if o != answer],
        [f"there are two notes, the first at about {f1:.0f} Hz", f"the second note is at about {f2:.0f} Hz"],
        [f"comparing the frequencies, {f2:.0f} Hz is "
         + ("above" if f2 > f1 else "below" if f2 < f1 else "equal to") + f" {f1:.0f} Hz"],
    )


CONTOURS = {"Rising": (1, 1), "Falling": (-1, -1), "Peaking in the middle": (1, -1), "Dipping in the middle": (-1, 1)}


def melody_contour(rng, difficulty) -> Draft:
    answer = list(CONTOURS)[int(rng.integers(len(CONTOURS)))]
    lo, hi = {"easy": (4, 8), "medium": (2, 5), "hard": (1, 3)}[difficulty]
    notes = [int(rng.integers(60, 72))]
    for sign in CONTOURS[answer]:
        notes.append(notes[-1] + sign * int(rng.integers(lo, hi)))
    hz = [s.midi_to_hz(m) for m in notes]
    moves = ["rises" if b > a else "falls" for a, b in zip(hz, hz[1:])]
    return Draft(
        _noisy(rng, _sequence(notes, 0.35, 0.08), difficulty), "What is the shape of the three-note melody?", answer,
        [c for c in CONTOURS if c != answer],
        [f"there are three notes at about {hz[0]:.0f}, {hz[1]:.0f} and {hz[2]:.0f} Hz"],
        [f"from the first to the second note the pitch {moves[0]}",
         f"from the second to the third note the pitch {moves[1]}"],
    )


INTERVALS = {"unison": 0, "minor second": 1, "major second": 2, "minor third": 3, "major third": 4,
             "perfect fourth": 5, "tritone": 6, "perfect fifth": 7, "minor sixth": 8, "major sixth": 9, "octave": 12}
INTERVAL_POOLS = {  # easy: sizes far apart; hard: neighbours
    "easy": ["unison", "major third", "perfect fifth", "octave"],
    "medium": ["major second", "major third", "perfect fifth", "major sixth", "octave", "perfect fourth"],
    "hard": list(INTERVALS),
}


def interval(rng, difficulty) -> Draft:
    pool = INTERVAL_POOLS[difficulty]
    answer = pool[int(rng.integers(len(pool)))]
    if difficulty == "hard":  # distractors are neighbours in size (INTERVALS is ordered by size)
        distractors = window_distractors(rng, list(INTERVALS), answer)
    else:
        distractors = pick_distractors(rng, pool, answer)
    root = int(rng.integers(55, 70))
    semitones = INTERVALS[answer]
    return Draft(
        _noisy(rng, _sequence([root, root + semitones], 0.5, 0.1), difficulty),
        "What is the musical interval between the two notes?", answer, distractors,
        [f"two notes are played one after the other, at about {s.midi_to_hz(root):.0f} and "
         f"{s.midi_to_hz(root + semitones):.0f} Hz"],
        [f"the frequency ratio is about {2 ** (semitones / 12):.2f}, which is {semitones} semitones"],
    )


CHORDS = {"major": (0, 4, 7), "minor": (0, 3, 7), "diminished": (0, 3, 6), "augmented": (0, 4, 8)}
CHORD_FACTS = {"major": "a major third with a perfect fifth", "minor": "a minor third with a perfect fifth",
               "diminished": "a minor third with a diminished fifth", "augmented": "a major third with an augmented fifth"}


def chord_quality(rng, difficulty) -> Draft:
    quality = list(CHORDS)[int(rng.integers(len(CHORDS)))]
    root = int(rng.integers(52, 67))
    notes = [root + k for k in CHORDS[quality]]
    block = s.chord([s.midi_to_hz(m) for m in notes], 1.2, "sine" if difficulty != "hard" else "sawtooth")
    audio = np.concatenate([_sequence(notes, 0.3, 0.05), block]) if difficulty == "easy" else block
    answer = f"{article(quality).capitalize()} chord"
    return Draft(
        _noisy(rng, audio, difficulty), "What is the quality of the chord?", answer,
        [f"{article(q).capitalize()} chord" for q in CHORDS if q != quality],
        [f"a three-note chord rooted near {s.midi_to_hz(root):.0f} Hz"],
        [f"above the root I hear {CHORD_FACTS[quality]}", f"that interval pattern defines {article(quality)} triad"],
    )


def _clicks(bpm: float, seconds: float) -> np.ndarray:
    period = 60.0 / bpm
    return s.place(seconds, [(0.05 + k * period, s.click(0.02), 1.0) for k in range(int((seconds - 0.1) / period) + 1)])


def tempo(rng, difficulty) -> Draft:
    spacing = {"easy": 40, "medium": 25, "hard": 15}[difficulty]
    grid = [60 + spacing * k for k in range(4)]
    answer_bpm = grid[int(rng.integers(4))]
    bpm = answer_bpm * float(rng.uniform(0.98, 1.02))
    return Draft(
        _noisy(rng, _clicks(bpm, 3.0), difficulty), "What is the tempo of the click track?", f"{answer_bpm} BPM",
        [f"{g} BPM" for g in grid if g != answer_bpm],
        [f"a steady click repeats every {60.0 / bpm:.2f} seconds"],
        [f"60 divided by {60.0 / bpm:.2f} seconds gives about {bpm:.0f} beats per minute"],
    )


def tempo_change(rng, difficulty) -> Draft:
    factor = {"easy": 1.6, "medium": 1.3, "hard": 1.15}[difficulty]
    base = float(rng.uniform(80, 120))
    change = ["faster", "slower", "same"][int(rng.integers(3))]
    second = base * {"faster": factor, "slower": 1 / factor, "same": 1.0}[change]
    audio = np.concatenate([_clicks(base, 1.5), _clicks(second, 1.5)])
    answer = {"faster": "It speeds up", "slower": "It slows down", "same": "It keeps the same tempo"}[change]
    return Draft(
        _noisy(rng, audio, difficulty), "How does the tempo change between the first and second half?", answer,
        [o for o in ("It speeds up", "It slows down", "It keeps the same tempo", "It stops completely") if o != answer],
        [f"in the first half the clicks come at about {base:.0f} BPM", f"in the second half at about {second:.0f} BPM"],
        ["comparing the two tempos gives the change"],
    )


TIMBRES = {"sine": "A pure sine tone", "square": "A hollow square wave", "sawtooth": "A bright sawtooth wave",
           "triangle": "A soft triangle wave"}
TIMBRE_FACTS = {"sine": "a single frequency with no overtones", "square": "only odd harmonics, a hollow buzz",
                "sawtooth": "all harmonics falling off slowly, a bright buzz",
                "triangle": "weak odd harmonics, close to a pure tone"}


def instrument_waveform(rng, difficulty) -> Draft:
    waveform = list(TIMBRES)[int(rng.integers(len(TIMBRES)))]
    freq = 220.0 if difficulty == "easy" else float(rng.uniform(150, 700))
    seconds = {"easy": 1.5, "medium": 1.0, "hard": 0.5}[difficulty]
    return Draft(
        _noisy(rng, s.place(seconds + 0.2, [(0.1, _note(12 * np.log2(freq / 440) + 69, seconds, waveform), 1.0)]),
               difficulty),
        "Which synthesizer waveform best describes the timbre of the note?", TIMBRES[waveform],
        [t for w, t in TIMBRES.items() if w != waveform],
        [f"a sustained note at about {freq:.0f} Hz whose spectrum has {TIMBRE_FACTS[waveform]}"],
        [f"that harmonic pattern is the timbre of a {waveform} waveform"],
    )


FAMILIES = [
    Family("pitch_compare", "music", "Reasoning", "Pitch Comparison", pitch_compare, multi_step=True),
    Family("melody_contour", "music", "Reasoning", "Melodic Contour", melody_contour, multi_step=True),
    Family("interval", "music", "Information Extraction", "Interval Recognition", interval),
    Family("chord_quality", "music", "Information Extraction", "Harmony", chord_quality),
    Family("tempo", "music", "Information Extraction", "Tempo", tempo),
    Family("tempo_change", "music", "Reasoning", "Tempo Comparison", tempo_change, multi_step=True),
    Family("instrument_waveform", "music", "Information Extraction", "Timbre", instrument_waveform),
]
