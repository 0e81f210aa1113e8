"""Audio scenes of the CESAR testbed: a short sequence of distinct events, one alphabet of four per MMAU task.

A scene is what a clip contains: ``Scene(task, events)``, ``events`` a list of 2-7 event names in time order.
Each task has an alphabet of four events a toy audio encoder tells apart easily (different spectra):

    sound   beep (1.5 kHz sine), buzz (150 Hz sawtooth), hiss (high-passed noise), knock (low, decaying noise)
    music   C4, E4, G4, C5 (a plucked tone with decaying harmonics; pitch is the only difference)
    speech  ah, ee, oo, eh (source-filter vowels, Peterson & Barney's adult-male formants, F0 100-220 Hz)

API
---
``ALPHABETS``: task -> tuple of the four event names; ``NOUNS``: task -> (singular, plural) of "sound" etc.
``PITCH``: the music notes' frequencies in Hz (what "higher" and "lower" are judged on).
``Scene(task, events)``.
``event_count(difficulty) -> (low, high)``: how many events a scene of that difficulty has (inclusive).
``render(rng, scene, difficulty) -> float32 array``: the 16 kHz clip: events of 0.12-0.15 s with 50-90 ms gaps,
    random gain and jitter, background noise on medium (30 dB SNR) and hard (20 dB) items; at most 1.75 s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replication.data.audio_qa import synth as s

ALPHABETS = {
    "sound": ("beep", "buzz", "hiss", "knock"),
    "music": ("C4", "E4", "G4", "C5"),
    "speech": ("ah", "ee", "oo", "eh"),
}
NOUNS = {"sound": ("sound", "sounds"), "music": ("note", "notes"), "speech": ("syllable", "syllables")}
PITCH = {"C4": 261.63, "E4": 329.63, "G4": 392.00, "C5": 523.25}
FORMANTS = {"ah": (730, 1090, 2440), "ee": (270, 2290, 3010), "oo": (300, 870, 2240), "eh": (530, 1840, 2480)}
COUNTS = {"easy": (2, 3), "medium": (4, 5), "hard": (6, 7)}
SNR_DB = {"easy": None, "medium": 30.0, "hard": 20.0}


@dataclass(frozen=True)
class Scene:
    task: str
    events: tuple[str, ...]

    def __post_init__(self):
        unknown = [e for e in self.events if e not in ALPHABETS[self.task]]
        if unknown or not self.events:
            raise ValueError(f"a {self.task} scene holds 1+ events of {ALPHABETS[self.task]}, got {self.events}")


def event_count(difficulty: str) -> tuple[int, int]:
    if difficulty not in COUNTS:
        raise ValueError(f"unknown difficulty {difficulty!r}; allowed: {tuple(COUNTS)}")
    return COUNTS[difficulty]


def _event_audio(rng: np.random.Generator, task: str, name: str, seconds: float) -> np.ndarray:
    jitter = float(rng.uniform(0.97, 1.03))
    if task == "sound":
        if name == "beep":
            x = s.tone(1500.0 * jitter, seconds)
        elif name == "buzz":
            x = s.tone(150.0 * jitter, seconds, "sawtooth")
        elif name == "hiss":
            x = np.diff(rng.standard_normal(int(seconds * s.SAMPLE_RATE) + 1))  # first difference: high-passed
        else:  # knock: low-passed noise with a fast exponential decay
            x = s.noise_burst(rng, seconds, lowpass_hz=400.0)
            x = x * np.exp(-np.arange(len(x)) / (0.03 * s.SAMPLE_RATE))
        return s.envelope(x / (np.max(np.abs(x)) + 1e-12), 0.005, 0.02)
    if task == "music":
        f0 = PITCH[name] * (1 + (jitter - 1) / 6)  # a few cents: the four notes stay far apart
        x = sum(s.tone(f0 * k, seconds) / k for k in range(1, 5))
        x = x * np.exp(-np.arange(len(x)) / (0.08 * s.SAMPLE_RATE))  # plucked: harmonics decay together
        return s.envelope(x / np.max(np.abs(x)), 0.005, 0.02)
    f0 = float(rng.uniform(100.0, 220.0))
    return s.vowel([f * jitter for f in FORMANTS[name]], f0, seconds)


def render(rng: np.random.Generator, scene: Scene, difficulty: str) -> np.ndarray:
    events, t = [], 0.05
    for name in scene.events:
        seconds = float(rng.uniform(0.12, 0.15))
        events.append((t, _event_audio(rng, scene.task, name, seconds), float(rng.uniform(0.6, 1.0))))
        t += seconds + float(rng.uniform(0.05, 0.09))
    clip = s.place(t + 0.03, events)
    snr = SNR_DB[difficulty]
    return s.finish(clip if snr is None else s.add_noise(rng, clip, snr))
