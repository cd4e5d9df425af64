"""The `demo` stimulus set: 120 synthetic 1-second sounds in 6 categories, made by code.

Everything is generated from a fixed seed, so the set (and its fingerprint) is identical on
every machine. Categories, 20 clips each:

- harmonic: harmonic complex tones, F0 log-spaced 100-800 Hz, 1/k amplitudes;
- noise: one-octave band noise, centre log-spaced 200-6000 Hz;
- clicks: click trains, rate log-spaced 2-100 Hz;
- sweep: 10 FM sweeps (up and down, various ranges) and 10 AM tones (4-64 Hz modulation);
- vowel: pulse trains (F0 100-220 Hz) through formant resonators of /a e i o u/;
- rhythm: tone and noise bursts in different inter-onset patterns.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

SAMPLE_RATE = 16_000
DURATION_S = 1.0
CLIPS_PER_CATEGORY = 20
CATEGORIES = ("harmonic", "noise", "clicks", "sweep", "vowel", "rhythm")
SEED = 20251122
_N = int(SAMPLE_RATE * DURATION_S)
_T = np.arange(_N) / SAMPLE_RATE
_VOWEL_FORMANTS = {  # (F1, F2, F3) in Hz, adult male averages
    "a": (730, 1090, 2440), "e": (530, 1840, 2480), "i": (270, 2290, 3010),
    "o": (570, 840, 2410), "u": (300, 870, 2240),
}


def generate() -> tuple[list[str], list[np.ndarray], list[str]]:
    """Returns ``(ids, waveforms, categories)``; waveforms ``(16000,)`` float32 at 16 kHz with
    10 ms ramps and equal RMS (peak below 1)."""
    rng = np.random.default_rng(SEED)
    ids, waves, cats = [], [], []
    makers = {"harmonic": _harmonic, "noise": _band_noise, "clicks": _clicks, "sweep": _sweep,
              "vowel": _vowel, "rhythm": _rhythm}
    for category in CATEGORIES:
        for index in range(CLIPS_PER_CATEGORY):
            wave, label = makers[category](index, rng)
            ids.append(f"{category}_{index:02d}_{label}")
            waves.append(_finish(wave))
            cats.append(category)
    return ids, waves, cats


def _finish(wave: np.ndarray, rms: float = 0.05) -> np.ndarray:
    ramp = int(0.01 * SAMPLE_RATE)
    envelope = np.ones(_N)
    envelope[:ramp] = np.sin(np.linspace(0, np.pi / 2, ramp)) ** 2
    envelope[-ramp:] = envelope[:ramp][::-1]
    wave = wave * envelope
    wave = wave * (rms / max(np.sqrt(np.mean(wave**2)), 1e-12))
    peak = np.max(np.abs(wave))
    if peak > 0.99:
        wave = wave * (0.99 / peak)
    return wave.astype(np.float32)


def _log_spaced(index: int, low: float, high: float, count: int = CLIPS_PER_CATEGORY) -> float:
    return float(np.exp(np.linspace(np.log(low), np.log(high), count)[index]))


def _harmonic(index, rng):
    f0 = _log_spaced(index, 100, 800)
    wave = np.zeros(_N)
    for k in range(1, int(7000 / f0) + 1):
        wave += np.sin(2 * np.pi * k * f0 * _T + rng.uniform(0, 2 * np.pi)) / k
    return wave, f"f0-{f0:.0f}hz"


def _band_noise(index, rng):
    centre = _log_spaced(index, 200, 6000)
    spectrum = np.fft.rfft(rng.standard_normal(_N))
    freqs = np.fft.rfftfreq(_N, 1 / SAMPLE_RATE)
    spectrum[(freqs < centre / np.sqrt(2)) | (freqs > centre * np.sqrt(2))] = 0
    return np.fft.irfft(spectrum, _N), f"band-{centre:.0f}hz"


def _clicks(index, rng):
    rate = _log_spaced(index, 2, 100)
    wave = np.zeros(_N)
    onsets = np.arange(rng.uniform(0, 1 / rate), DURATION_S, 1 / rate)
    for onset in onsets:
        start = int(onset * SAMPLE_RATE)
        wave[start:start + 16] = np.hanning(16)[: _N - start]
    return wave, f"rate-{rate:.0f}hz"


def _sweep(index, rng):
    if index < 10:
        low, high = _log_spaced(index, 150, 1500, 10), _log_spaced(index, 600, 6000, 10)
        start, end = (low, high) if index % 2 == 0 else (high, low)
        frequency = start * (end / start) ** (_T / DURATION_S)
        phase = 2 * np.pi * np.cumsum(frequency) / SAMPLE_RATE
        return np.sin(phase), f"fm-{start:.0f}-{end:.0f}hz"
    carrier = _log_spaced(index - 10, 500, 4000, 10)
    rate = _log_spaced(9 - (index - 10), 4, 64, 10)
    wave = (1 + np.sin(2 * np.pi * rate * _T)) * np.sin(2 * np.pi * carrier * _T
                                                        + rng.uniform(0, 2 * np.pi))
    return wave, f"am-{carrier:.0f}hz-{rate:.0f}hz"


def _vowel(index, rng):
    vowel = "aeiou"[index % 5]
    f0 = _log_spaced(index // 5, 100, 220, 4)
    source = np.zeros(_N)
    period = SAMPLE_RATE / f0
    jitter = rng.normal(0, 0.002 * period, int(DURATION_S * f0) + 2)
    positions = np.cumsum(np.full(len(jitter), period) + jitter)
    source[positions[positions < _N].astype(int)] = 1.0
    wave = source
    for formant, bandwidth in zip(_VOWEL_FORMANTS[vowel], (80, 100, 120), strict=True):
        radius = np.exp(-np.pi * bandwidth / SAMPLE_RATE)
        theta = 2 * np.pi * formant / SAMPLE_RATE
        wave = lfilter([1 - radius], [1, -2 * radius * np.cos(theta), radius**2], wave)
    return wave, f"{vowel}-f0-{f0:.0f}hz"


def _rhythm(index, rng):
    patterns = ([1, 1, 1, 1], [2, 1, 1], [1, 2, 1], [3, 1], [1, 1, 2])
    pattern = np.array(patterns[index % 5], dtype=float)
    beat = _log_spaced(index // 5, 0.08, 0.2, 4)
    tonal = index % 2 == 0
    frequency = rng.uniform(300, 2000)
    wave = np.zeros(_N)
    onset = 0.02
    burst = int(0.04 * SAMPLE_RATE)
    window = np.hanning(burst)
    step = 0
    while onset < DURATION_S - 0.05:
        start = int(onset * SAMPLE_RATE)
        segment = (np.sin(2 * np.pi * frequency * _T[:burst]) if tonal
                   else rng.standard_normal(burst))
        wave[start:start + burst] += segment * window
        onset += beat * pattern[step % len(pattern)]
        step += 1
    kind = "tone" if tonal else "noise"
    return wave, f"{kind}-{'-'.join(str(int(p)) for p in pattern)}-{beat * 1000:.0f}ms"
