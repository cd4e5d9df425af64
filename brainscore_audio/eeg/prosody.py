"""Prosody analysis (docs/methods.md#eeg-prosody-analysis; a secondary analysis).

Per model frame, six prosodic features of the sentence audio: F0 (autocorrelation, 75-500 Hz, 0
when unvoiced), energy (RMS), zero-crossing rate, spectral centroid, bandwidth and 85 % roll-off.
They are z-scored over the sentence and give a prosody RDM (1 - Pearson between frames across the
six features). For each window, sentence and subject, Spearman correlations between the prosody,
EEG and model RDMs give the partial correlation prosody-EEG controlling for the model, and
``TNC = 1 - partial^2 / r^2`` (r = the plain prosody-EEG correlation): the share of the
prosody-EEG association the model accounts for. Sentences are also split at the median of an
acoustic arousal index (z energy + z F0 variability).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..metrics import similarity
from .dataset import EEGDataset
from .geometry import Window, zscore_columns
from .scoring import ModelSide, _items_by_size, _subject_block, eeg_frames

FEATURES = ("f0", "energy", "zcr", "centroid", "bandwidth", "rolloff")
FRAME_LENGTH_S = 0.04
F0_RANGE_HZ = (75.0, 500.0)
VOICING_THRESHOLD = 0.3
ROLLOFF = 0.85


def f0_autocorrelation(frame: np.ndarray, sample_rate: int, fmin: float = F0_RANGE_HZ[0],
                       fmax: float = F0_RANGE_HZ[1], threshold: float = VOICING_THRESHOLD) -> float:
    """F0 in Hz of one frame from its normalised autocorrelation peak in [1/fmax, 1/fmin] s
    (parabolic interpolation); 0 when the peak is below ``threshold`` (unvoiced)."""
    x = np.asarray(frame, dtype=np.float64)
    x = x - x.mean()
    n = len(x)
    spectrum = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    if ac[0] <= 0:
        return 0.0
    ac = ac / ac[0]
    low, high = int(np.floor(sample_rate / fmax)), min(n - 2, int(np.ceil(sample_rate / fmin)))
    if high <= low:
        return 0.0
    lag = low + int(np.argmax(ac[low:high + 1]))
    if ac[lag] < threshold:
        return 0.0
    if 0 < lag < n - 1:
        a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
        denominator = a - 2 * b + c
        shift = 0.5 * (a - c) / denominator if denominator != 0 else 0.0
        lag = lag + float(np.clip(shift, -0.5, 0.5))
    return float(sample_rate / lag)


def prosody_features(audio: np.ndarray, sample_rate: int, times_s: np.ndarray,
                     frame_length_s: float = FRAME_LENGTH_S) -> np.ndarray:
    """``(frames, 6)`` features of the audio frames starting at ``times_s`` (see
    :data:`FEATURES`; centroid, bandwidth and roll-off in Hz from the Hann-windowed magnitude
    spectrum)."""
    length = int(round(frame_length_s * sample_rate))
    padded = np.concatenate([np.asarray(audio, np.float64), np.zeros(length)])
    window = np.hanning(length)
    freqs = np.fft.rfftfreq(length, 1.0 / sample_rate)
    out = np.zeros((len(times_s), len(FEATURES)))
    for i, t in enumerate(times_s):
        start = int(round(t * sample_rate))
        frame = padded[start:start + length]
        magnitude = np.abs(np.fft.rfft(frame * window))
        total = magnitude.sum()
        centroid = float((freqs * magnitude).sum() / total) if total > 0 else 0.0
        bandwidth = (float(np.sqrt(((freqs - centroid) ** 2 * magnitude).sum() / total))
                     if total > 0 else 0.0)
        rolloff = (float(freqs[np.searchsorted(np.cumsum(magnitude), ROLLOFF * total)])
                   if total > 0 else 0.0)
        signs = np.signbit(frame)
        out[i] = [f0_autocorrelation(frame, sample_rate), np.sqrt(np.mean(frame**2)),
                  np.mean(signs[1:] != signs[:-1]), centroid, bandwidth, rolloff]
    return out


def partial_correlation(r_xy: np.ndarray, r_xz: np.ndarray, r_yz: np.ndarray) -> np.ndarray:
    """First-order partial correlation of x and y controlling for z; NaN where z explains x or
    y fully (|r_xz| = 1 or |r_yz| = 1: no residual left to correlate)."""
    r_xy, r_xz, r_yz = (np.asarray(r, dtype=np.float64) for r in (r_xy, r_xz, r_yz))
    denominator = np.sqrt(np.clip(1 - r_xz**2, 0.0, None) * np.clip(1 - r_yz**2, 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (r_xy - r_xz * r_yz) / denominator, np.nan)


def tnc(partial: float, r: float) -> float:
    """``1 - partial^2 / r^2``: the share of the prosody-EEG association the model explains."""
    return float(1.0 - partial**2 / r**2) if r != 0 and np.isfinite(r) else float("nan")


@dataclass
class ProsodyResult:
    """Per window: mean over sentences then subjects of r (prosody-EEG), partial r (controlling
    for the model), model-prosody r, and TNC from those means; overall and per arousal group."""

    windows: list[Window]
    groups: dict[str, list[int]]
    table: dict[str, list[dict]]


def sentence_prosody(dataset: EEGDataset, grid) -> tuple[list[np.ndarray], dict[str, list[int]]]:
    """Per sentence the unscaled ``(frames, 6)`` features at the frame times of ``grid`` (a
    :class:`~brainscore_audio.eeg.scoring.FrameGrid`), and the sentence groups: ``all``, and the
    halves above (``high-arousal``) and at or below (``low-arousal``) the median arousal index
    (z mean energy + z F0 standard deviation over voiced frames, z over the sentences)."""
    stimuli = dataset.stimulus_set
    full, arousal = [], []
    for index in range(len(dataset.sentences)):
        audio, rate = stimuli.native_audio(index)
        features = prosody_features(audio, rate,
                                    np.arange(grid.n_frames[index]) * grid.hops[index])
        full.append(features)
        voiced = features[:, 0][features[:, 0] > 0]
        arousal.append((features[:, 1].mean(), voiced.std() if voiced.size > 1 else 0.0))
    index_value = zscore_columns(np.asarray(arousal)).sum(axis=1)
    median = np.median(index_value)
    groups = {"all": list(range(len(dataset.sentences))),
              "high-arousal": [i for i, v in enumerate(index_value) if v > median],
              "low-arousal": [i for i, v in enumerate(index_value) if v <= median]}
    return full, groups


def prosody_analysis(model: ModelSide, dataset: EEGDataset, layer: str,
                     windows: Sequence[Window], subjects: Sequence[str] | None = None
                     ) -> ProsodyResult:
    """Run the prosody analysis for one layer (see the module docstring)."""
    subjects = list(subjects or dataset.subjects)
    grid = next(g for g in model.grids if layer in g.layers)
    eeg = eeg_frames(dataset, grid, windows, subjects)
    full, groups = sentence_prosody(dataset, grid)
    # z-scored over the sentence, like the EEG; only the frames the windows need
    prosody = [zscore_columns(f)[:model.features[layer][i].shape[0]] for i, f in enumerate(full)]
    n_channels = len(dataset.channel_names)
    r_pe = np.full((len(windows), len(subjects), len(dataset.sentences)), np.nan)
    r_pm = np.full((len(windows), len(dataset.sentences)), np.nan)
    r_me = np.full_like(r_pe, np.nan)
    for size, items in _items_by_size(grid, windows, len(dataset.sentences)).items():
        if size < 3:
            continue
        e_p = similarity.embed("rsa-spearman", np.stack([prosody[s][f] for _, s, f in items]))
        e_m = similarity.embed("rsa-spearman", np.stack([model.features[layer][s][f]
                                                         for _, s, f in items]))
        y = np.stack([_subject_block(eeg, subjects, s, f, n_channels) for _, s, f in items])
        e_e = similarity.embed("rsa-spearman", y.reshape(-1, size, n_channels)).reshape(
            len(items), len(subjects), -1)
        pe = np.einsum("ie,ise->is", e_p, e_e)
        me = np.einsum("ie,ise->is", e_m, e_e)
        pm = np.einsum("ie,ie->i", e_p, e_m)
        for k, (w, s, _) in enumerate(items):
            r_pe[w, :, s], r_me[w, :, s], r_pm[w, s] = pe[k], me[k], pm[k]
    partial = partial_correlation(r_pe, r_pm[:, None, :], r_me)
    table: dict[str, list[dict]] = {}
    for group, members in groups.items():
        rows = []
        for w, window in enumerate(windows):
            r = _mean_then_mean(r_pe[w][:, members])
            p = _mean_then_mean(partial[w][:, members])
            rows.append({"window": window.name, "r_prosody_eeg": r, "partial_r": p,
                         "r_prosody_model": float(np.nanmean(r_pm[w, members]))
                         if np.any(np.isfinite(r_pm[w, members])) else float("nan"),
                         "r_model_eeg": _mean_then_mean(r_me[w][:, members]),
                         "tnc": tnc(p, r), "n_sentences": int(np.sum(np.isfinite(r_pm[w, members])))})
        table[group] = rows
    return ProsodyResult(list(windows), groups, table)


def _mean_then_mean(values: np.ndarray) -> float:
    """Mean over sentences (axis 1) within subjects, then over subjects; NaN if empty."""
    finite = np.isfinite(values)
    per_subject = np.where(finite.any(axis=1),
                           np.where(finite, values, 0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1),
                           np.nan)
    return float(np.nanmean(per_subject)) if np.any(np.isfinite(per_subject)) else float("nan")
