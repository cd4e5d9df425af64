"""Frame alignment, per-sentence model features and time windows
(docs/methods.md#eeg-frames-features-and-windows).

Frame ``i`` of a sentence lies at ``t_i = i * hop`` seconds after the sentence onset (``hop`` the
layer's frame hop). The EEG of the sentence is linearly interpolated at those times, so it has
the model's frame count, and each EEG channel is z-scored over the sentence's frames. The model
features are reduced to 20 principal components fitted on the sentence, each z-scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ..metrics.correlation import constant_columns


@dataclass(frozen=True)
class Window:
    """A time window from sentence onset, ``[start_ms, end_ms)``."""

    name: str
    start_ms: float
    end_ms: float

    def frame_range(self, hop_s: float) -> tuple[int, int]:
        """``(first, stop)``: the frames ``first <= i < stop`` with ``start <= i * hop < end``."""
        hop_ms = hop_s * 1000.0
        eps = 1e-6
        first = max(0, int(np.ceil((self.start_ms - eps) / hop_ms)))
        stop = max(first, int(np.ceil((self.end_ms - eps) / hop_ms)))
        return first, stop

    def frames(self, hop_s: float, n_frames: int) -> np.ndarray:
        """Indices of the frames ``i < n_frames`` with ``start <= i * hop < end`` (ms)."""
        first, stop = self.frame_range(hop_s)
        return np.arange(first, min(stop, n_frames))


NAMED_WINDOWS = (
    Window("N100", 80, 150), Window("P200", 150, 250), Window("N200", 200, 300),
    Window("P300", 250, 500), Window("N400", 300, 500), Window("P600", 500, 800),
)


def sliding_windows(length_ms: float = 250.0, step_ms: float = 50.0, start_ms: float = 0.0,
                    stop_ms: float = 1000.0) -> tuple[Window, ...]:
    """Windows ``[s, s + length)`` for ``s = start, start + step, ...`` with ``s + length <= stop``,
    named ``"<s>-<s+length>"`` in ms."""
    out = []
    start = start_ms
    while start + length_ms <= stop_ms + 1e-9:
        out.append(Window(f"{start:g}-{start + length_ms:g}", start, start + length_ms))
        start += step_ms
    return tuple(out)


DEFAULT_WINDOWS = sliding_windows() + NAMED_WINDOWS
HEADLINE_WINDOW = "250-500"


def frame_times(n_frames: int, hop_s: float) -> np.ndarray:
    """``(n_frames,)`` seconds from sentence onset."""
    return np.arange(n_frames) * hop_s


def eeg_at_frames(eeg: np.ndarray, sfreq: float, lead_s: float, times_s: np.ndarray) -> np.ndarray:
    """Linear interpolation of a sentence's EEG at the frame times.

    Args:
        eeg: ``(channels, samples)``; sample k lies at ``lead_s + k / sfreq`` s from the sentence
            onset (``lead_s <= 0``).
        times_s: ``(frames,)`` seconds from sentence onset.
    Returns:
        ``(frames, channels)`` float64 (values past the last sample repeat it; NaN channels stay
        NaN).
    """
    sample_times = lead_s + np.arange(eeg.shape[1]) / sfreq
    position = np.interp(times_s, sample_times, np.arange(eeg.shape[1], dtype=np.float64))
    left = np.floor(position).astype(int)
    right = np.minimum(left + 1, eeg.shape[1] - 1)
    fraction = position - left
    data = np.asarray(eeg, dtype=np.float64)
    return (data[:, left] * (1.0 - fraction) + data[:, right] * fraction).T


def zscore_columns(x: np.ndarray) -> np.ndarray:
    """Z-score each column over rows (population std); constant columns become 0, NaN columns
    stay NaN."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (x - mean) / np.where(std > 0, std, 1.0)
    out[:, std == 0] = 0.0
    return out


def pca_features(features: np.ndarray, n_components: int = 20) -> np.ndarray:
    """Principal-component scores of one sentence's frames, each z-scored.

    Args:
        features: ``(frames, dim)``.
    Returns:
        ``(frames, k)`` float64 with ``k = min(n_components, frames, dim, rank)``; features
        constant over the frames (:func:`~brainscore_audio.metrics.correlation.constant_columns`)
        count as zero, so a constant layer gives ``k = 0``. Signs are fixed deterministically:
        the loading of largest magnitude of each component is positive.
    """
    x = np.asarray(features, dtype=np.float64)
    constant = constant_columns(x)
    x = x - x.mean(axis=0)
    x[:, constant] = 0.0  # rounding noise of a constant feature is not a component
    n, d = x.shape
    k = min(n_components, n, d)
    small = x @ x.T if n <= d else x.T @ x  # eigen-decomposition of the smaller Gram matrix
    size = small.shape[0]
    # only the top k eigenpairs (LAPACK syevr): much faster than a full decomposition
    values, vectors = linalg.eigh(small, subset_by_index=[size - k, size - 1], driver="evr")
    values, vectors = values[::-1], vectors[:, ::-1]
    keep = values > 1e-10 * max(values[0], 1e-300) if values.size else values > 0
    if n <= d:
        scores = vectors[:, keep] * np.sqrt(values[keep])
        loadings = x.T @ vectors[:, keep]
    else:
        loadings = vectors[:, keep]
        scores = x @ loadings
    signs = np.sign(loadings[np.argmax(np.abs(loadings), axis=0), np.arange(loadings.shape[1])])
    signs[signs == 0] = 1.0
    return zscore_columns(scores * signs)
