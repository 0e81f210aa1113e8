"""Synthesis primitives for the audio QA corpus: 16 kHz mono float signals built with numpy / scipy only.

API (all return float64 numpy arrays at ``SAMPLE_RATE``; randomness only through a passed ``np.random.Generator``)
---
``SAMPLE_RATE = 16000``
``silence(seconds)``
``tone(freq_hz, seconds, waveform="sine", amplitude=1.0)``  waveform in ``WAVEFORMS`` (sine/square/sawtooth/triangle)
``envelope(signal, attack=0.01, release=0.03)``        linear fade in / out (no clicks at note edges)
``chord(freqs_hz, seconds, waveform="sine")``            equal-amplitude sum of tones, peak 1
``noise_burst(rng, seconds, lowpass_hz=None)``          white (or low-passed) noise, peak 1
``click(seconds=0.01)``                                  a short decaying impulse
``vowel(formants_hz, f0_hz, seconds, rng=None, f0_end_hz=None, whisper=False)``
    source-filter vowel: glottal pulse train (or noise when whispering) through two-pole formant resonators,
    with an optional linear F0 glide (intonation).
``place(canvas_seconds, events)``                        mix ``[(onset_s, signal, gain), ...]`` onto silence
``ramp(signal, start_gain, end_gain)``                   linear gain ramp (loudness change)
``add_noise(rng, signal, snr_db)``                       white background noise at a given SNR
``finish(signal, peak=0.9)``                             peak-normalise and return float32 ready for PCM_16
``midi_to_hz(note)``
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

SAMPLE_RATE = 16000
WAVEFORMS = ("sine", "square", "sawtooth", "triangle")


def midi_to_hz(note: float) -> float:
    """Equal temperament, A4 = MIDI 69 = 440 Hz."""
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


def _time(seconds: float) -> np.ndarray:
    return np.arange(int(round(seconds * SAMPLE_RATE))) / SAMPLE_RATE


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * SAMPLE_RATE)))


def tone(freq_hz: float, seconds: float, waveform: str = "sine", amplitude: float = 1.0) -> np.ndarray:
    """A periodic tone; the waveform sets the timbre (sine: pure, square: odd harmonics, sawtooth: all)."""
    phase = 2.0 * np.pi * freq_hz * _time(seconds)
    if waveform == "sine":
        wave = np.sin(phase)
    elif waveform == "square":
        wave = sps.square(phase)
    elif waveform == "sawtooth":
        wave = sps.sawtooth(phase)
    elif waveform == "triangle":
        wave = sps.sawtooth(phase, width=0.5)
    else:
        raise ValueError(f"unknown waveform {waveform!r}; allowed: {WAVEFORMS}")
    return amplitude * wave


def envelope(x: np.ndarray, attack: float = 0.01, release: float = 0.03) -> np.ndarray:
    """Linear attack and release so that notes start and stop without clicks."""
    out = x.copy()
    n_attack = min(len(x), int(attack * SAMPLE_RATE))
    n_release = min(len(x) - n_attack, int(release * SAMPLE_RATE))
    if n_attack:
        out[:n_attack] *= np.linspace(0.0, 1.0, n_attack, endpoint=False)
    if n_release:
        out[len(x) - n_release :] *= np.linspace(1.0, 0.0, n_release)
    return out


def chord(freqs_hz, seconds: float, waveform: str = "sine") -> np.ndarray:
    mix = sum(tone(f, seconds, waveform) for f in freqs_hz)
    return envelope(mix / np.max(np.abs(mix)))


def noise_burst(rng: np.random.Generator, seconds: float, lowpass_hz: float | None = None) -> np.ndarray:
    x = rng.standard_normal(int(round(seconds * SAMPLE_RATE)))
    if lowpass_hz is not None:
        b, a = sps.butter(4, lowpass_hz / (SAMPLE_RATE / 2))
        x = sps.lfilter(b, a, x)
    return envelope(x / np.max(np.abs(x)), attack=0.005, release=0.02)


def click(seconds: float = 0.01) -> np.ndarray:
    t = _time(seconds)
    return np.exp(-t / (seconds / 5.0)) * np.sign(np.sin(2.0 * np.pi * 1500.0 * t) + 1e-9)


def _resonator(freq_hz: float, bandwidth_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-pole resonator (Klatt 1980): a formant at ``freq_hz`` with the given bandwidth, unit gain at DC."""
    r = np.exp(-np.pi * bandwidth_hz / SAMPLE_RATE)
    theta = 2.0 * np.pi * freq_hz / SAMPLE_RATE
    a = np.array([1.0, -2.0 * r * np.cos(theta), r * r])
    return np.array([a.sum()]), a


def vowel(
    formants_hz,
    f0_hz: float,
    seconds: float,
    rng: np.random.Generator | None = None,
    f0_end_hz: float | None = None,
    whisper: bool = False,
) -> np.ndarray:
    """A vowel by source-filter synthesis: pulse train at F0 (gliding to ``f0_end_hz``) through formant filters.

    ``whisper=True`` replaces the pulses by noise (needs ``rng``): the formants, hence the vowel, stay, the pitch
    goes.
    """
    n = int(round(seconds * SAMPLE_RATE))
    if whisper:
        if rng is None:
            raise ValueError("a whispered vowel needs rng for its noise source")
        source = rng.standard_normal(n) * 0.3
    else:
        f0 = np.linspace(f0_hz, f0_hz if f0_end_hz is None else f0_end_hz, n)
        phase = np.cumsum(f0) / SAMPLE_RATE
        source = np.diff(np.floor(phase), prepend=0.0)  # one impulse per glottal cycle
    out = source
    for k, freq in enumerate(formants_hz):
        b, a = _resonator(freq, 60.0 + 40.0 * k)
        out = sps.lfilter(b, a, out)
    out = out / (np.max(np.abs(out)) + 1e-12)
    return envelope(out, attack=0.02, release=0.04)


def place(canvas_seconds: float, events) -> np.ndarray:
    """Mix ``[(onset_s, signal, gain), ...]`` onto silence; events running past the end are cut."""
    canvas = silence(canvas_seconds)
    for onset, x, gain in events:
        start = int(round(onset * SAMPLE_RATE))
        stop = min(len(canvas), start + len(x))
        canvas[start:stop] += gain * x[: stop - start]
    return canvas


def ramp(x: np.ndarray, start_gain: float, end_gain: float) -> np.ndarray:
    return x * np.linspace(start_gain, end_gain, len(x))


def add_noise(rng: np.random.Generator, x: np.ndarray, snr_db: float) -> np.ndarray:
    """Add white noise so that signal power / noise power = 10^(snr_db / 10)."""
    power = np.mean(x**2)
    noise = rng.standard_normal(len(x)) * np.sqrt(power / 10.0 ** (snr_db / 10.0))
    return x + noise


def finish(x: np.ndarray, peak: float = 0.9) -> np.ndarray:
    """Peak-normalise to ``peak`` (headroom for PCM_16) and cast to float32."""
    top = np.max(np.abs(x))
    return (x * (peak / top) if top > 0 else x).astype(np.float32)
