"""The toolkit-compatible EEG protocol: the conventions of Yang et al.'s public toolkit
(github.com/FlowerNeverFade/eeg-audio-similarity), a named variant of the EEG sentence benchmarks.

The metric formulas are the same in both protocols; the conventions around them differ. Here, for
one layer, sentence and time window ``[start, end)`` ms:

- **Model side**: the layer's frames of the whole sentence reduced as the toolkit's
  ``reduce_audio_dimensions`` does (:func:`toolkit_pca`): in float32, no PCA when the layer has at
  most 20 dimensions (the features are only z-scored), otherwise the first ``min(20, frames,
  dim)`` right singular vectors of ``torch.linalg.svd`` of the centred frames, with the signs that
  SVD returns and no cut at the numerical rank; every column z-scored as ``(x - mean) / (std +
  1e-9)`` (std with n - 1).
- **Window frames**: ``int(start * rate)`` to ``int(end * rate)`` (rate = 1 / hop, times in s),
  cut to the sentence's frames.
- **EEG side**: the sentence EEG's samples ``int(start * sfreq)`` to ``int(end * sfreq)``, cut to
  the sentence's ``int(offset * sfreq) - int(onset * sfreq)`` samples, each electrode linearly
  resampled to the window's frame count with half-sample offsets (:func:`resample_half_sample`,
  torch's ``interpolate(mode="linear", align_corners=False)``).
- **Geometry**: one comparison per electrode (the electrode is a frames x 1 matrix; its RDM is
  ``|x_i - x_j|``), averaged over the electrodes.
- **RBF bandwidth** (``cka-rbf``, ``hsic-rbf``): the lower median of the non-zero squared
  distances (``torch.median``), where the default protocol takes the mean of the two middle ones.
- **Degenerate cases**: a window with fewer than 3 frames scores 0 on every electrode, and so does
  a comparison with a constant side; both are averaged in like any score.
- **Sliding windows** exist for a sentence only when its EEG covers them (the toolkit makes them
  over each sentence's duration); the six named ERP windows are cut to the sentence.

The six-feature prosody analysis (:func:`toolkit_prosody_analysis`) follows the toolkit too: a
prosody RDM from the unscaled features and TNC computed per sentence.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..activations import StimulusActivations
from ..metrics import similarity
from ..metrics.correlation import constant_columns
from .dataset import EEGDataset, SubjectEEG
from .geometry import NAMED_WINDOWS, Window
from .scoring import (
    FrameGrid,
    ScoreTable,
    check_framed_activations,
    cross_scores,
    sentence_arrays,
)

NAME = "toolkit"
MIN_FRAMES = 3  # the toolkit scores a window with fewer model frames as 0
HEADLINE_WINDOW = "N400"  # 300-500 ms
ZSCORE_EPSILON = 1e-9  # added to the standard deviation, as the toolkit does
PARAMETERS = {
    "protocol": NAME,
    "protocol_source": "Yang et al.'s public toolkit, github.com/FlowerNeverFade/eeg-audio-similarity",
    "model_features": "per sentence and layer, in float32: dim <= 20: the features z-scored; "
                      "else the centred frames projected on the first min(20, frames, dim) right "
                      "singular vectors of torch.linalg.svd (its signs, no rank cut); every "
                      "column (x - mean) / (std_(n-1) + 1e-9)",
    "window_frames": "int(start * rate) to int(end * rate), rate = 1 / hop, cut to the sentence",
    "eeg_alignment": "sentence EEG samples int(start * sfreq) to int(end * sfreq), cut to "
                     "int(offset * sfreq) - int(onset * sfreq) samples, each electrode linearly "
                     "resampled to the window's frame count with half-sample offsets "
                     "(align_corners=False)",
    "geometry": {"model_rdm": "1 - Pearson r between frames across the features",
                 "eeg_rdm": "per electrode |x_i - x_j|",
                 "electrodes": "the metric per electrode (frames x 1), averaged over electrodes"},
    "rbf_bandwidth": "lower median of the non-zero squared distances (torch.median)",
    "degenerate": "a window with fewer than 3 frames, or a comparison with a constant side, "
                  "scores 0 and is averaged in",
    "window_selection": "sliding windows only where the sentence's EEG covers them; the named "
                        "windows cut to the sentence",
}


# ----------------------------------------------------------------------------- conventions

def rate_of(hop_s: float) -> float:
    """Frames per second of a hop, snapped to the nearest integer when within 1e-9 of it (so
    ``int(t * rate)`` does not fall one frame short on rounding, e.g. 1 / 0.02)."""
    rate = 1.0 / hop_s
    return float(round(rate)) if abs(rate - round(rate)) < 1e-9 else rate


def window_frame_bounds(window: Window, rate_hz: float) -> tuple[int, int]:
    """``(first, stop)`` = ``(int(start * rate), int(end * rate))``, times in seconds (the
    toolkit's ``TimeWindow.to_samples``; not cut to a length)."""
    return int(window.start_ms * rate_hz / 1000), int(window.end_ms * rate_hz / 1000)


def resample_half_sample(signal: np.ndarray, n: int) -> np.ndarray:
    """Linear resampling of ``(channels, samples)`` to ``(channels, n)`` with half-sample offsets.

    Output frame ``j`` reads the input at position ``(j + 0.5) * samples / n - 0.5`` (clamped at
    0; the last sample repeats past the end): torch's ``interpolate(size=n, mode="linear",
    align_corners=False)``, here in float64.
    """
    signal = np.asarray(signal, dtype=np.float64)
    length = signal.shape[-1]
    if length < 1 or n < 1:
        raise ValueError(f"cannot resample {length} samples to {n}")
    position = np.maximum((np.arange(n) + 0.5) * (length / n) - 0.5, 0.0)
    left = np.minimum(np.floor(position).astype(int), length - 1)
    right = np.minimum(left + 1, length - 1)
    weight = np.clip(position - left, 0.0, 1.0)
    return signal[..., left] * (1.0 - weight) + signal[..., right] * weight


def toolkit_pca(features: np.ndarray, n_components: int = 20) -> np.ndarray:
    """The toolkit's model features of one sentence (``reduce_audio_dimensions``).

    Args:
        features: ``(frames, dim)``.
    Returns:
        ``(frames, k)`` float64 of float32 values: ``k = dim`` when ``dim <= n_components`` (the
        features z-scored, no PCA), else ``k = min(n_components, frames, dim)`` principal
        component scores with the signs of ``torch.linalg.svd`` (float32, CPU) and no cut at the
        numerical rank (components beyond it are rounding noise scaled to unit variance, as in
        the toolkit). Each column is ``(x - mean) / (std + 1e-9)`` with the n - 1 std. The SVD
        runs on one torch thread: MKL's SVD rounds differently with more threads.
    """
    return toolkit_pcas([features], n_components)[0]


def toolkit_pcas(arrays: Sequence[np.ndarray], n_components: int = 20) -> list[np.ndarray]:
    """:func:`toolkit_pca` of every array: the SVDs are independent, so they run on parallel
    threads (torch releases the GIL), each with one torch thread."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        if len(arrays) == 1:
            return [_pca32(arrays[0], n_components)]
        with ThreadPoolExecutor(max(1, min(os.cpu_count() or 1, 8))) as pool:
            return list(pool.map(lambda array: _pca32(array, n_components), arrays))
    finally:
        torch.set_num_threads(previous)


def _pca32(features: np.ndarray, n_components: int) -> np.ndarray:
    import torch

    x = torch.as_tensor(np.asarray(features, dtype=np.float32))
    frames, dim = x.shape
    if n_components < dim and min(n_components, frames) >= 1:
        k = min(n_components, frames, dim)
        centred = x - x.mean(dim=0, keepdim=True)
        _, _, vh = torch.linalg.svd(centred, full_matrices=False)
        x = centred @ vh.T[:, :k]
    out = (x - x.mean(dim=0, keepdim=True)) / (x.std(dim=0, keepdim=True) + ZSCORE_EPSILON)
    return out.numpy().astype(np.float64)


def lower_median_bandwidth(squared_distances: np.ndarray) -> np.ndarray:
    """The toolkit's RBF bandwidth ``s^2`` per item: the *lower* median (``torch.median``) of the
    non-zero squared distances between rows; NaN where all rows coincide.

    Args:
        squared_distances: ``(b, n, n)``.
    Returns:
        ``(b,)``.
    """
    rows, cols = np.triu_indices(squared_distances.shape[-1], k=1)
    upper = squared_distances[:, rows, cols]
    positive = np.where(upper > 0, upper, np.inf)
    count = (upper > 0).sum(axis=1)
    ordered = np.sort(positive, axis=1)
    index = np.maximum(count - 1, 0) // 2
    chosen = np.take_along_axis(ordered, index[:, None], axis=1)[:, 0] if upper.shape[1] else \
        np.zeros(len(upper))
    return np.where(count > 0, chosen, np.nan)


def embed_scaled(metric: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Side embeddings of the eight metrics under the toolkit's conventions: those of
    :func:`~brainscore_audio.metrics.similarity.embed_scaled`, except that ``cka-rbf`` and
    ``hsic-rbf`` take the lower median of the squared distances as the bandwidth."""
    if metric not in ("cka-rbf", "hsic-rbf") or x.shape[1] < similarity.MIN_ROWS[metric]:
        return similarity.embed_scaled(metric, x)
    x = np.asarray(x, dtype=np.float64)
    d2 = np.zeros((x.shape[0], x.shape[1], x.shape[1]))
    for column in range(x.shape[2]):  # from the differences: exactly 0 for equal rows
        d2 += (x[:, :, None, column] - x[:, None, :, column]) ** 2
    s2 = lower_median_bandwidth(d2)
    with np.errstate(invalid="ignore", divide="ignore"):
        kernel = np.exp(-d2 / (2.0 * s2[:, None, None]))
    # private helpers of the metric module on purpose: the same centring and normalisation as
    # the default protocol's embeddings, only the bandwidth differs
    centred = similarity._double_centre(kernel).reshape(len(x), -1)
    embedded = centred / (x.shape[1] - 1) if metric == "hsic-rbf" else similarity._unit(centred)
    return embedded, np.ones(len(x))


def eeg_length(duration_s: float, lead_s: float, sfreq: float) -> int:
    """Samples the toolkit cuts for a sentence, ``int(offset * sfreq) - int(onset * sfreq)``, from
    the sentence EEG whose first sample lies ``lead_s <= 0`` s before the onset."""
    return int(np.floor((duration_s - lead_s) * sfreq + 1e-9))


# ----------------------------------------------------------------------------- model side

@dataclass
class ToolkitModelSide:
    """Per layer and sentence the toolkit's features of all the sentence's frames, grouped into
    frame grids (layers with the same hops and frame counts)."""

    layers: list[str]
    grids: list[FrameGrid]
    features: dict[str, list[np.ndarray]]  # layer -> per sentence (frames, k)
    n_components: int
    constant_layers: list[str]  # constant over the frames of every sentence


def prepare_model_side(activations: StimulusActivations, dataset: EEGDataset,
                       n_components: int) -> ToolkitModelSide:
    """The toolkit's features of every layer and sentence (checks as the default protocol)."""
    check_framed_activations(activations, dataset)
    grids: dict[tuple, FrameGrid] = {}
    arrays: dict[str, list[np.ndarray]] = {}
    constant: list[str] = []
    for layer in activations.layers:
        arrays[layer] = sentence_arrays(activations, dataset, layer)
        hop = activations.hop_seconds.get(layer)
        hops = [float(hop) if hop else s.duration / len(a)
                for s, a in zip(dataset.sentences, arrays[layer], strict=True)]
        grid = FrameGrid([], hops, [len(a) for a in arrays[layer]], MIN_FRAMES)
        grid = grids.setdefault(grid.key(), grid)
        grid.layers.append(layer)
        if all(np.all(constant_columns(a)) for a in arrays[layer]):
            constant.append(layer)
    jobs = [(layer, array) for layer in activations.layers for array in arrays[layer]]
    reduced = toolkit_pcas([array for _, array in jobs], n_components)
    features: dict[str, list[np.ndarray]] = {layer: [] for layer in activations.layers}
    for (layer, _), values in zip(jobs, reduced, strict=True):
        features[layer].append(values)
    return ToolkitModelSide(list(activations.layers), list(grids.values()), features,
                            n_components, constant)


# ----------------------------------------------------------------------------- scoring

@dataclass
class ToolkitTable:
    """``table.values[layer, window, subject, sentence]`` (mean over electrodes) and
    ``per_channel[layer, window, subject, channel]`` (mean over sentences)."""

    table: ScoreTable
    per_channel: np.ndarray


def _window_items(grid: FrameGrid, windows: Sequence[Window]):
    """``{frame count: [(window index, sentence index, first, stop), ...]}`` with the window's
    frames cut to each sentence (frame counts below 3 included: they score 0)."""
    groups: dict[int, list] = {}
    for w, window in enumerate(windows):
        for s, (hop, frames) in enumerate(zip(grid.hops, grid.n_frames, strict=True)):
            first, stop = window_frame_bounds(window, rate_of(hop))
            stop = min(stop, frames)
            groups.setdefault(max(0, stop - first), []).append((w, s, first, stop))
    return groups


def _covers(window: Window, length: int, sfreq: float) -> bool:
    """Whether the toolkit makes this window for a sentence of ``length`` EEG samples."""
    return window in NAMED_WINDOWS or window.end_ms <= length / sfreq * 1000.0 + 1e-9


def eeg_window(eeg: SubjectEEG, dataset: EEGDataset, window: Window, sentence: int,
               n: int) -> tuple[np.ndarray | None, np.ndarray]:
    """The toolkit's EEG of one subject, window and sentence.

    Returns:
        ``(eeg, channels)``: ``eeg`` is ``(n, channels)``, an empty ``(0, channels)`` array where
        the window holds no EEG sample (its comparisons score 0), or None where the subject has
        no EEG for the sentence or the toolkit makes no such window (left out); ``channels`` is
        the ``(channels,)`` bool mask of the channels the subject has (not dropped).
    """
    data = eeg.sentences[sentence]
    if data is None:
        return None, np.zeros(len(dataset.channel_names), dtype=bool)
    channels = np.all(np.isfinite(data), axis=1)
    length = min(data.shape[1], eeg_length(dataset.sentences[sentence].duration,
                                           eeg.lead_s[sentence], eeg.sfreq))
    if not _covers(window, length, eeg.sfreq):
        return None, channels
    start = int(window.start_ms * eeg.sfreq / 1000)
    stop = min(int(window.end_ms * eeg.sfreq / 1000), length)
    if stop <= start or n < 1:
        return np.zeros((0, len(channels))), channels
    return resample_half_sample(data[:, start:stop], n).T, channels


def score_table(metric: str, model: ToolkitModelSide, dataset: EEGDataset,
                windows: Sequence[Window], subjects: Sequence[str] | None = None) -> ToolkitTable:
    """Every (layer, window, subject, sentence) score of ``metric`` under the toolkit protocol.

    Subject by subject (one subject's EEG in memory at a time): for each group of windows with
    the same frame count, all layers against all electrodes in one batched call.
    """
    subjects = list(subjects or dataset.subjects)
    n_sentences, n_channels = len(dataset.sentences), len(dataset.channel_names)
    layer_index = {name: i for i, name in enumerate(model.layers)}
    values = np.full((len(model.layers), len(windows), len(subjects), n_sentences), np.nan)
    per_channel = np.full((len(model.layers), len(windows), len(subjects), n_channels), np.nan)
    groups = []  # (layer rows, frame count, items, stacked model features or None)
    for grid in model.grids:
        rows = np.array([layer_index[name] for name in grid.layers])
        for n, items in _window_items(grid, windows).items():
            x = (np.stack([np.stack([model.features[name][s][first:stop] for name in grid.layers])
                           for _, s, first, stop in items]) if n >= MIN_FRAMES else None)
            groups.append((rows, n, items, x))
    for j, subject in enumerate(subjects):
        eeg = dataset.subject_eeg(subject)
        total = np.zeros((len(model.layers), len(windows), n_channels))
        count = np.zeros((len(model.layers), len(windows), n_channels))
        for rows, n, items, x in groups:
            cut = [eeg_window(eeg, dataset, windows[w], s, n) for w, s, _, _ in items]
            live = [k for k, (y, _) in enumerate(cut) if y is not None and len(y)]
            scores = np.zeros((len(items), len(rows), n_channels))
            if x is not None and live:
                y = np.stack([cut[k][0] for k in live]).transpose(0, 2, 1)[..., None]
                scores[live] = np.nan_to_num(cross_scores(metric, x[live], y,
                                                          embed_scaled=embed_scaled), nan=0.0)
            for k, (w, s, _, _) in enumerate(items):
                window_eeg, channels = cut[k]
                if window_eeg is None or not channels.any():
                    continue
                cell = scores[k][:, channels]  # (layers, channels present)
                values[rows, w, j, s] = cell.mean(axis=1)
                total[rows, w] += np.where(channels, scores[k], 0.0)
                count[rows, w] += channels
        with np.errstate(invalid="ignore", divide="ignore"):
            per_channel[:, :, j] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return ToolkitTable(ScoreTable(values, list(model.layers), list(windows), subjects),
                        per_channel)
