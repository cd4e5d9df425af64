"""Reading, checking, mixing down and resampling audio.

soundfile reads every format libsndfile knows (wav, flac, ogg); soxr does high-quality
resampling. Both are thin wrappers over well-kept C libraries, so nothing here re-implements DSP.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile
import soxr

from .errors import UserError


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read an audio file as mono float32.

    Returns:
        (samples, sample_rate): samples shape ``(n_samples,)`` float32 in [-1, 1]; multichannel
        files are averaged over channels.

    Raises:
        UserError: one line naming the file when it is missing, unreadable, empty or not finite.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: audio file not found")
    try:
        samples, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types for corrupt files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{path}: unreadable audio ({reason}); expected a wav/flac/ogg file") from exc
    mono = to_mono(samples)
    check_waveform(mono, name=str(path))
    return mono, int(sample_rate)


def to_mono(samples: np.ndarray) -> np.ndarray:
    """Average channels: ``(n_samples, n_channels)`` or ``(n_samples,)`` -> ``(n_samples,)``."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 1:
        return samples
    if samples.ndim != 2:
        raise ValueError(f"expected (samples,) or (samples, channels), got shape {samples.shape}")
    return samples.mean(axis=1, dtype=np.float64).astype(np.float32)


def check_waveform(samples: np.ndarray, name: str) -> None:
    """Raise a one-line :class:`UserError` unless ``samples`` is a non-empty finite 1-D signal in
    [-1, 1] (a tolerance of 1e-4 allows for float rounding)."""
    if samples.ndim != 1:
        raise UserError(f"{name}: expected mono audio of shape (samples,), got {samples.shape}")
    if samples.size == 0:
        raise UserError(f"{name}: audio is empty (0 samples)")
    if not np.all(np.isfinite(samples)):
        raise UserError(f"{name}: audio contains NaN or infinite samples")
    peak = float(np.max(np.abs(samples)))
    if peak > 1.0 + 1e-4:
        raise UserError(f"{name}: samples must lie in [-1, 1], peak is {peak:.3g}")


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a mono signal with soxr (VHQ), then clip to [-1, 1].

    Args:
        samples: ``(n_samples,)`` float32 at ``from_rate`` Hz.
    Returns:
        ``(round(n_samples * to_rate / from_rate),)`` float32 at ``to_rate`` Hz. Clipping removes
        the tiny overshoot that band-limiting can add to a full-scale signal.
    """
    if from_rate == to_rate:
        return np.asarray(samples, dtype=np.float32)
    out = soxr.resample(np.asarray(samples, dtype=np.float32), from_rate, to_rate, quality="VHQ")
    return np.clip(out, -1.0, 1.0).astype(np.float32, copy=False)
