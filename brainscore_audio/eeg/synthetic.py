"""Synthetic speech-like audio and EEG with a planted response, for fixtures and perf scripts.

Nothing here is measured data: the "speech" is harmonic syllables in silence and the "EEG" is a
scaled, delayed copy of the audio envelope plus shared rhythm and channel noise.
"""

from __future__ import annotations

import numpy as np


def speech(rng: np.random.Generator, sample_rate: int, n_sentences: int, words_per_sentence: int,
           lead_s: float = 0.3, sentence_pause_s: float = 0.7):
    """Harmonic "words" with short gaps, sentences separated by longer pauses.

    Returns:
        ``(samples (n,) float32, words)`` with words ``(text, onset s, offset s, sentence index)``.
    """
    pieces = [np.zeros(int(lead_s * sample_rate), np.float32)]
    words = []
    for sentence in range(n_sentences):
        for w in range(words_per_sentence):
            start = sum(len(p) for p in pieces) / sample_rate
            duration = rng.uniform(0.22, 0.36)
            n = int(duration * sample_rate)
            time = np.arange(n) / sample_rate
            f0 = rng.uniform(100, 220)
            tone = sum(np.sin(2 * np.pi * f0 * k * time + rng.uniform(0, 6)) / k for k in (1, 2, 3))
            envelope = np.sin(np.pi * time / duration) ** 2 * rng.uniform(0.3, 0.9)
            pieces.append((0.25 * tone * envelope).astype(np.float32))
            words.append((f"w{sentence}{w}", round(start, 4), round(start + n / sample_rate, 4),
                          sentence))
            pieces.append(np.zeros(int(rng.uniform(0.04, 0.1) * sample_rate), np.float32))
        pieces.append(np.zeros(int(sentence_pause_s * sample_rate), np.float32))
    return np.concatenate(pieces), words


def envelope(audio: np.ndarray, sample_rate: int, sfreq: float, n_samples: int) -> np.ndarray:
    """RMS envelope of ``audio`` at ``sfreq`` (blocks of ``sample_rate / sfreq`` samples), peak 1,
    zero-padded or cut to ``n_samples``."""
    block = max(1, int(round(sample_rate / sfreq)))
    usable = np.asarray(audio[: len(audio) // block * block], np.float64).reshape(-1, block)
    env = np.sqrt((usable**2).mean(axis=1))
    out = np.zeros(n_samples)
    out[: min(n_samples, len(env))] = env[:n_samples]
    return out / max(env.max(), 1e-12)


def planted_eeg(rng: np.random.Generator, response: np.ndarray, sfreq: float, n_channels: int,
                mains_hz: float | None = None, noise: float = 0.5) -> np.ndarray:
    """``(channels, samples)``: per channel ``w_c * (4 response + shared rhythm) + noise``."""
    n = len(response)
    time = np.arange(n) / sfreq
    shared = 0.6 * np.sin(2 * np.pi * 10 * time + rng.uniform(0, 6)) + np.cumsum(
        rng.normal(size=n)) * 0.01
    weights = rng.uniform(0.5, 1.5, n_channels)
    eeg = weights[:, None] * (4.0 * response + shared)[None] + noise * rng.normal(
        size=(n_channels, n))
    if mains_hz:
        eeg += 0.4 * np.sin(2 * np.pi * mains_hz * time)[None]
    return eeg
