"""Resemblyzer's input: a 40-band mel power spectrogram (not log), 25 ms windows every 10 ms.

Written in numpy to match ``librosa.feature.melspectrogram(sr=16000, n_fft=400, hop_length=160,
n_mels=40)`` as resemblyzer calls it: periodic Hann window, frames centred (zero padding of
n_fft / 2), power 2, Slaney mel scale with Slaney (area) normalisation, 0 Hz to 8 kHz. The
volume is normalised to -30 dBFS first (increase only), as resemblyzer's preprocessing does.
"""

from __future__ import annotations

from functools import cache

import numpy as np

SAMPLE_RATE = 16_000
N_FFT = 400
HOP = 160
N_MELS = 40
TARGET_DBFS = -30.0


def hz_to_slaney_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3.0)
    log_step = np.log(6.4) / 27.0
    return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / log_step, linear)


def slaney_mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """Inverse of :func:`hz_to_slaney_mel`."""
    mel = np.asarray(mel, dtype=np.float64)
    log_step = np.log(6.4) / 27.0
    return np.where(mel >= 15.0, 1000.0 * np.exp(log_step * (mel - 15.0)), mel * 200.0 / 3.0)


@cache
def mel_filterbank(sample_rate: int = SAMPLE_RATE, n_fft: int = N_FFT,
                   n_mels: int = N_MELS) -> np.ndarray:
    """Triangular filters on the Slaney mel scale, each scaled to unit area (2 / bandwidth).

    Returns:
        ``(n_mels, n_fft // 2 + 1)`` float64 weights over FFT bins.
    """
    bins_hz = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    edges = slaney_mel_to_hz(np.linspace(hz_to_slaney_mel(0.0), hz_to_slaney_mel(sample_rate / 2.0),
                                         n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bins_hz[None, :]) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return weights * (2.0 / (upper - lower))


def normalise_volume(audio: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """Scale each clip of ``(batch, samples)`` up to ``target_dbfs`` RMS (never down)."""
    rms = np.sqrt(np.mean(np.square(audio, dtype=np.float64), axis=1, keepdims=True))
    gain = 10.0 ** ((target_dbfs - 20.0 * np.log10(np.maximum(rms, 1e-10))) / 20.0)
    return (audio * np.maximum(gain, 1.0)).astype(np.float32)


def mel_power(audio: np.ndarray) -> np.ndarray:
    """``(batch, samples)`` at 16 kHz -> ``(batch, 1 + samples // 160, 40)`` float32 mel power."""
    padded = np.pad(audio, ((0, 0), (N_FFT // 2, N_FFT // 2)))
    count = 1 + audio.shape[1] // HOP
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(count)[:, None]
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    power = np.abs(np.fft.rfft(padded[:, index] * window, axis=-1)) ** 2
    return (power @ mel_filterbank().T).astype(np.float32)
