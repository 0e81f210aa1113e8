"""Sound-task question families: counting events, temporal order, loudness, count-then-compare, durations.

API: ``FAMILIES``, a list of ``Family`` (see ``families.py``); each ``make(rng, difficulty) -> Draft``.
Difficulty raises the noise, shortens the gaps and narrows the differences to judge.
"""

from __future__ import annotations

import numpy as np

from replication.data.audio_qa import synth as s
from replication.data.audio_qa.families import Draft, Family, window_distractors

SNR_DB = {"easy": None, "medium": 20.0, "hard": 8.0}  # background noise; None = clean


def _noisy(rng, x, difficulty):
    snr = SNR_DB[difficulty]
    return s.finish(x if snr is None else s.add_noise(rng, x, snr))


def _beep(freq_hz: float, seconds: float = 0.1) -> np.ndarray:
    return s.envelope(s.tone(freq_hz, seconds), 0.005, 0.02)


def _onsets(rng, n: int, seconds: float, event_s: float, min_gap: float) -> list[float]:
    """n onsets in [0.1, seconds - event_s - 0.05] at least ``event_s + min_gap`` apart, sorted."""
    span = seconds - event_s - 0.15 - (n - 1) * (event_s + min_gap)
    slack = np.sort(rng.uniform(0.0, max(span, 0.0), size=n))
    return [0.1 + slack[i] + i * (event_s + min_gap) for i in range(n)]


def count_beeps(rng, difficulty) -> Draft:
    n = int(rng.integers(*{"easy": (1, 4), "medium": (2, 6), "hard": (4, 8)}[difficulty]))
    gap = {"easy": 0.2, "medium": 0.12, "hard": 0.06}[difficulty]
    freq = float(rng.uniform(600, 1800))
    audio = s.place(2.5, [(t, _beep(freq), 1.0) for t in _onsets(rng, n, 2.5, 0.1, gap)])
    return Draft(
        _noisy(rng, audio, difficulty), "How many beeps can be heard in the audio?", str(n),
        window_distractors(rng, [str(k) for k in range(1, 12)], str(n)),
        [f"there are short beeps at about {freq:.0f} Hz separated by silence"],
        [f"counting the onsets one by one gives {n} beeps"],
    )


EVENTS = {  # name -> synthesiser
    "a high beep": lambda rng: _beep(2400.0, 0.25),
    "a low hum": lambda rng: s.envelope(s.tone(110.0, 0.3, "square")),
    "a noise burst": lambda rng: s.noise_burst(rng, 0.25),
    "a rapid clicking": lambda rng: s.place(0.3, [(k * 0.05, s.click(), 1.0) for k in range(6)]),
}
EVENT_FACTS = {
    "a high beep": "a high-pitched tonal beep",
    "a low hum": "a low-frequency buzzing hum",
    "a noise burst": "a broadband noise burst with no pitch",
    "a rapid clicking": "a train of sharp clicks",
}


def event_order(rng, difficulty) -> Draft:
    n = 2 if difficulty == "easy" else 3
    names = [list(EVENTS)[i] for i in rng.permutation(len(EVENTS))[:n]]
    gap = {"easy": 0.4, "medium": 0.25, "hard": 0.1}[difficulty]
    audio = s.place(2.0, [(0.15 + i * (0.3 + gap), EVENTS[name](rng), 1.0) for i, name in enumerate(names)])
    ask_last = difficulty == "hard" and bool(rng.integers(2))
    answer = names[-1] if ask_last else names[0]
    order = ", then ".join(EVENT_FACTS[name] for name in names)
    return Draft(
        _noisy(rng, audio, difficulty), f"Which sound is heard {'last' if ask_last else 'first'}?", answer,
        [e for e in EVENTS if e != answer],
        [f"the sequence is {order}"],
        [f"the {'last' if ask_last else 'first'} onset in time belongs to {answer}"],
    )


LOUDNESS = {
    "It gets louder": (0.1, 1.0),
    "It gets softer": (1.0, 0.1),
    "It stays at the same volume": (1.0, 1.0),
    "It gets louder and then softer": None,
}


def loudness_change(rng, difficulty) -> Draft:
    answer = list(LOUDNESS)[int(rng.integers(len(LOUDNESS)))]
    depth = {"easy": 1.0, "medium": 0.7, "hard": 0.45}[difficulty]  # how far the gain moves
    x = s.noise_burst(rng, 2.0, lowpass_hz=3000.0) if rng.integers(2) else s.tone(float(rng.uniform(200, 800)), 2.0)
    if LOUDNESS[answer] is None:
        half = len(x) // 2
        gain = np.concatenate([np.linspace(1 - depth, 1, half), np.linspace(1, 1 - depth, len(x) - half)])
    else:
        start, end = LOUDNESS[answer]
        gain = np.linspace(1 - depth * (1 - start), 1 - depth * (1 - end), len(x))
    trend = {
        "It gets louder": "the amplitude rises steadily from start to end",
        "It gets softer": "the amplitude decays steadily from start to end",
        "It stays at the same volume": "the amplitude stays constant throughout",
        "It gets louder and then softer": "the amplitude rises to a peak in the middle and then decays",
    }[answer]
    return Draft(
        _noisy(rng, s.envelope(x * gain), difficulty), "How does the loudness of the sound change over time?",
        answer, [o for o in LOUDNESS if o != answer], [trend],
        ["comparing the volume at the start, middle and end matches this description"],
    )


def count_compare(rng, difficulty) -> Draft:
    diff = {"easy": (2, 4), "medium": (1, 3), "hard": (0, 2)}[difficulty]
    high = int(rng.integers(1, 4))
    low = max(1, high + int(rng.choice([-1, 1])) * int(rng.integers(*diff)))
    if rng.integers(2):
        high, low = low, high
    kinds = ["high"] * high + ["low"] * low
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    gap = {"easy": 0.15, "medium": 0.1, "hard": 0.05}[difficulty]
    onsets = _onsets(rng, len(kinds), 3.0, 0.1, gap)
    audio = s.place(3.0, [(t, _beep(2000.0 if k == "high" else 400.0), 1.0) for t, k in zip(onsets, kinds)])
    answer = "More high beeps" if high > low else "More low beeps" if low > high else "Equal numbers of each"
    relation = "more than" if high > low else "fewer than" if high < low else "as many as"
    return Draft(
        _noisy(rng, audio, difficulty), "Are there more high-pitched beeps or more low-pitched beeps?", answer,
        [o for o in ("More high beeps", "More low beeps", "Equal numbers of each", "Only a single beep") if o != answer],
        [f"there are beeps at two pitches, about 2000 Hz and 400 Hz"],
        [f"counting the high beeps gives {high}", f"counting the low beeps gives {low}",
         f"comparing the counts, {high} is {relation} {low}"],
    )


def duration_compare(rng, difficulty) -> Draft:
    ratio = {"easy": 2.5, "medium": 1.6, "hard": 1.25}[difficulty]
    short = float(rng.uniform(0.3, 0.5))
    durations = {"tone": short, "noise": short}
    longer = ["tone", "noise", None][int(rng.integers(3))]
    if longer:
        durations[longer] = short * ratio
    tone = s.envelope(s.tone(float(rng.uniform(300, 900)), durations["tone"]))
    noise = s.noise_burst(rng, durations["noise"])
    first, second = (tone, noise) if rng.integers(2) else (noise, tone)
    audio = s.place(0.2 + len(first) / s.SAMPLE_RATE + 0.3 + len(second) / s.SAMPLE_RATE + 0.1,
                    [(0.1, first, 1.0), (0.1 + len(first) / s.SAMPLE_RATE + 0.3, second, 1.0)])
    answer = {"tone": "The tone lasts longer", "noise": "The noise lasts longer", None: "They last equally long"}[longer]
    return Draft(
        _noisy(rng, audio, difficulty), "Which lasts longer, the pitched tone or the noise burst?", answer,
        [o for o in ("The tone lasts longer", "The noise lasts longer", "They last equally long",
                     "Only silence is heard") if o != answer],
        [f"the pitched tone lasts about {durations['tone']:.1f} seconds",
         f"the noise burst lasts about {durations['noise']:.1f} seconds"],
        ["comparing the two durations decides which is longer"],
    )


FAMILIES = [
    Family("count_beeps", "sound", "Information Extraction", "Event Counting", count_beeps),
    Family("event_order", "sound", "Reasoning", "Temporal Order", event_order, multi_step=True),
    Family("loudness_change", "sound", "Information Extraction", "Loudness Dynamics", loudness_change),
    Family("count_compare", "sound", "Reasoning", "Event Count Comparison", count_compare, multi_step=True),
    Family("duration_compare", "sound", "Reasoning", "Duration Comparison", duration_compare, multi_step=True),
]
