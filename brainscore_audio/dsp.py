"""A log-mel front end in numpy: the `logmel` baseline and the demo's simulated brain use it.

Written here instead of pulling librosa (numba, large) or torchaudio (no CPU build here); it is
small and tested against a pure tone's expected band.
"""

from __future__ import annotations

from functools import cache

import numpy as np


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale: ``2595 log10(1 + f / 700)``."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


@cache
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float,
                   fmax: float) -> np.ndarray:
    """Triangular filters equally spaced on the mel scale, each with unit peak.

    Returns:
        ``(n_mels, n_fft // 2 + 1)`` float64 weights over FFT bins.
    """
    bin_hz = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bin_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bin_hz[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def log_mel_spectrogram(audio: np.ndarray, sample_rate: int, n_fft: int = 400,
                        hop_length: int = 160, n_mels: int = 64, fmin: float = 50.0,
                        fmax: float | None = None, floor: float = 1e-6) -> np.ndarray:
    """Log mel power spectrogram with a Hann window, no centring padding.

    Args:
        audio: ``(batch, samples)`` float; clips shorter than ``n_fft`` are zero-padded to it.
        sample_rate: Hz.
        n_fft, hop_length: window and hop in samples (defaults: 25 ms and 10 ms at 16 kHz).
    Returns:
        ``(batch, frames, n_mels)`` float32, ``log(mel power + floor)``, with
        ``frames = 1 + (samples - n_fft) // hop_length``.
    """
    audio = np.atleast_2d(np.asarray(audio, dtype=np.float64))
    if audio.shape[1] < n_fft:
        audio = np.pad(audio, ((0, 0), (0, n_fft - audio.shape[1])))
    frames = np.lib.stride_tricks.sliding_window_view(audio, n_fft, axis=1)[:, ::hop_length]
    spectrum = np.fft.rfft(frames * np.hanning(n_fft + 1)[:-1], axis=-1)
    power = spectrum.real**2 + spectrum.imag**2
    bank = mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax or sample_rate / 2.0)
    return np.log(power @ bank.T + floor).astype(np.float32)
