"""Scores of every (layer, window, subject, sentence) with one similarity metric, batched.

The model side of a comparison (PCA features of a layer in a window) is shared by every subject
and the EEG side by every layer, so each metric's side embeddings are computed once per side and
all (layer, subject) pairs of a window come out of one matrix product
(:mod:`brainscore_audio.metrics.similarity`). Comparisons are grouped by their frame count, so
thousands of windows run as a few batched calls.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..activations import StimulusActivations
from ..errors import UserError
from ..metrics import similarity
from .dataset import EEGDataset
from .geometry import Window, eeg_at_frames, pca_features, zscore_columns

EMBEDDING_BUDGET_BYTES = 128 * 2**20
PCA_THREADS = min(os.cpu_count() or 1, 8)
MIN_FRAMES = 4  # fewer frames in a window give no usable frames x frames geometry


@dataclass
class FrameGrid:
    """Layers that share frame times: the same hop and frame count for every sentence."""

    layers: list[str]
    hops: list[float]  # seconds per frame, per sentence (the layer hop, or duration / frames)
    n_frames: list[int]  # per sentence
    min_frames: int = MIN_FRAMES

    def key(self) -> tuple:
        return (tuple(round(h, 9) for h in self.hops), tuple(self.n_frames), self.min_frames)

    def window_frames(self, window: Window, sentence: int) -> np.ndarray | None:
        """Frame indices of ``window`` in a sentence, or None when the sentence does not cover
        the whole window (it is then left out of that window)."""
        first, stop = window.frame_range(self.hops[sentence])
        if stop - first < self.min_frames or stop > self.n_frames[sentence]:
            return None
        return np.arange(first, stop)


@dataclass
class ModelSide:
    """Per layer and sentence, the z-scored PCA features of the frames the windows need."""

    layers: list[str]
    grids: list[FrameGrid]
    features: dict[str, list[np.ndarray]]  # layer -> per sentence (frames_needed, k)
    n_components: int


def _window_frame_limit(windows: Sequence[Window], hop: float) -> int:
    end = max(w.end_ms for w in windows)
    return int(np.ceil(end / 1000.0 / hop)) + 1 if hop > 0 else 0


def check_framed_activations(activations: StimulusActivations, dataset: EEGDataset) -> None:
    """One-line errors for activations an EEG benchmark cannot score: pooled, in another order
    than the data set's sentences, without layers, or with non-finite values."""
    if activations.pooling != "none":
        raise UserError(f"{dataset.name}: EEG benchmarks need framed activations (pooling='none'), "
                        f"got pooling={activations.pooling!r}")
    if list(activations.stimulus_ids) != [s.id for s in dataset.sentences]:
        raise UserError(f"{dataset.name}: activations are not in the order of the stimulus set "
                        f"{dataset.name!r}")
    if not activations.layers:
        raise UserError(f"{dataset.name}: no layers to score")
    activations.check_values()


def sentence_arrays(activations: StimulusActivations, dataset: EEGDataset,
                    layer: str) -> list[np.ndarray]:
    """A layer's ``(frames, dim)`` array per sentence, checked (one-line error otherwise)."""
    values = activations.layers[layer]
    if not isinstance(values, list) or len(values) != len(dataset.sentences):
        raise UserError(f"{dataset.name}: layer {layer!r} must be a list of "
                        f"{len(dataset.sentences)} (frames, dim) arrays, one per sentence")
    arrays = [np.asarray(array) for array in values]
    for sentence, array in zip(dataset.sentences, arrays, strict=True):
        if array.ndim != 2 or array.shape[0] < 1:
            raise UserError(f"{dataset.name}: layer {layer!r}, stimulus {sentence.id}: "
                            f"expected (frames, dim), got shape {array.shape}")
    return arrays


def prepare_model_side(activations: StimulusActivations, dataset: EEGDataset,
                       windows: Sequence[Window], n_components: int,
                       min_frames: int = MIN_FRAMES) -> ModelSide:
    """PCA features per layer and sentence (fitted on the whole sentence, z-scored), grouped into
    frame grids. Checks the activations' shape and order against the data set. A window in
    which a layer has fewer than ``min_frames`` frames is not scored for that layer."""
    check_framed_activations(activations, dataset)
    grids: dict[tuple, FrameGrid] = {}
    jobs: list[tuple[str, np.ndarray, int]] = []  # (layer, activations, frames kept)
    for layer in activations.layers:
        hop = activations.hop_seconds.get(layer)
        n_frames, hops = [], []
        for sentence, array in zip(dataset.sentences, sentence_arrays(activations, dataset, layer),
                                   strict=True):
            frames = array.shape[0]
            step = float(hop) if hop else sentence.duration / frames
            n_frames.append(frames)
            hops.append(step)
            jobs.append((layer, array, min(frames, _window_frame_limit(windows, step))))
        grid = FrameGrid([], hops, n_frames, min_frames)
        grid = grids.setdefault(grid.key(), grid)
        grid.layers.append(layer)
    # One PCA per (layer, sentence), independent: on parallel threads (LAPACK releases the GIL;
    # the caller holds BLAS to one thread, so the threads do not oversubscribe the cores).
    with ThreadPoolExecutor(PCA_THREADS) as pool:
        reduced = list(pool.map(lambda job: pca_features(job[1], n_components)[:job[2]], jobs))
    features: dict[str, list[np.ndarray]] = {layer: [] for layer in activations.layers}
    for (layer, _, _), values in zip(jobs, reduced, strict=True):
        features[layer].append(values)
    return ModelSide(list(activations.layers), list(grids.values()), features, n_components)


def eeg_frames(dataset: EEGDataset, grid: FrameGrid, windows: Sequence[Window],
               subjects: Sequence[str] | None = None) -> dict[str, list[np.ndarray | None]]:
    """Per subject and sentence, ``(frames_needed, channels)`` EEG at the grid's frame times,
    each channel z-scored over all the sentence's frames (None where not recorded). Memoised on
    the data set per grid, so the benchmarks of all metrics share it."""
    subjects = list(subjects or dataset.subjects)
    key = ("eeg-frames", grid.key(), max(w.end_ms for w in windows), tuple(subjects))
    if key in dataset.memo:
        return dataset.memo[key]
    out: dict[str, list[np.ndarray | None]] = {}
    for subject in subjects:
        eeg = dataset.subject_eeg(subject)
        frames_per_sentence: list[np.ndarray | None] = []
        for index, data in enumerate(eeg.sentences):
            if data is None:
                frames_per_sentence.append(None)
                continue
            hop = grid.hops[index]
            times = np.arange(grid.n_frames[index]) * hop
            frames = zscore_columns(eeg_at_frames(data, eeg.sfreq, eeg.lead_s[index], times))
            limit = min(grid.n_frames[index], _window_frame_limit(windows, hop))
            frames_per_sentence.append(frames[:limit])
        out[subject] = frames_per_sentence
    _remember(dataset, key, out)
    return out


def _remember(dataset: EEGDataset, key, value, keep: int = 4) -> None:
    """Keep at most ``keep`` memo entries of the same kind (oldest dropped)."""
    same = [k for k in dataset.memo if k[0] == key[0]]
    for old in same[:max(0, len(same) - keep + 1)]:
        del dataset.memo[old]
    dataset.memo[key] = value


def cross_scores(metric: str, x: np.ndarray, y: np.ndarray,
                 budget_bytes: int = EMBEDDING_BUDGET_BYTES,
                 embed_scaled=similarity.embed_scaled) -> np.ndarray:
    """Metric between every X and every Y of each item.

    Args:
        x: ``(items, a, n, p)``; y: ``(items, b, n, q)`` (NaN columns = missing channels).
        embed_scaled: the side embeddings (:func:`~brainscore_audio.metrics.similarity.
            embed_scaled`, or a protocol's variant of it).
    Returns:
        ``(items, a, b)``.
    """
    items, a, n = x.shape[:3]
    b = y.shape[1]
    out = np.full((items, a, b), np.nan)
    if n < similarity.MIN_ROWS[metric]:
        return out
    if metric == "rsa-kendall" and not similarity.kendall_by_signs(n):
        return _cross_kendall_chunked(x, y, budget_bytes)
    size = _embedding_size(metric, n) * (8 if metric != "rsa-kendall" else 4)
    rows_per_chunk = max(1, budget_bytes // max(size, 1))
    y_rows = max(1, rows_per_chunk - a)
    step = max(1, rows_per_chunk // (a + min(b, y_rows)))
    for start in range(0, items, step):
        stop = min(items, start + step)
        ex, sx = embed_scaled(metric, x[start:stop].reshape(-1, n, x.shape[3]))
        ex, sx = ex.reshape(stop - start, a, -1), sx.reshape(stop - start, a, 1)
        for y_start in range(0, b, y_rows):
            y_stop = min(b, y_start + y_rows)
            block = y[start:stop, y_start:y_stop]
            ey, sy = embed_scaled(metric, block.reshape(-1, n, y.shape[3]))
            ey = ey.reshape(stop - start, y_stop - y_start, -1)
            sy = sy.reshape(stop - start, 1, y_stop - y_start)
            scores = np.matmul(ex, ey.transpose(0, 2, 1)).astype(np.float64) * sx * sy
            if metric != "hsic-rbf":
                scores = np.clip(scores, -1.0, 1.0)
            out[start:stop, :, y_start:y_stop] = scores
    return out


def _cross_kendall_chunked(x: np.ndarray, y: np.ndarray, budget_bytes: int) -> np.ndarray:
    """:func:`~brainscore_audio.metrics.similarity.cross_kendall` over item chunks whose
    (a x b) pairs of RDM entries fit the memory budget."""
    items, a, n = x.shape[:3]
    b = y.shape[1]
    pair_bytes = a * b * n * (n - 1) // 2 * 8 * 6  # ranks, keys and merge buffers per pair
    step = max(1, budget_bytes // max(1, pair_bytes))
    return np.concatenate([similarity.cross_kendall(x[i:i + step], y[i:i + step])
                           for i in range(0, items, step)])


def _embedding_size(metric: str, n: int) -> int:
    if metric.startswith("rsa-"):
        m = n * (n - 1) // 2
        return m * (m - 1) // 2 if metric == "rsa-kendall" else m
    return n * n


@dataclass
class ScoreTable:
    """``values[layer, window, subject, sentence]`` (NaN where not defined)."""

    values: np.ndarray
    layers: list[str]
    windows: list[Window]
    subjects: list[str]

    def sentence_mean(self) -> np.ndarray:
        """``(layers, windows, subjects)``: mean over the sentences each subject has."""
        with warnings.catch_warnings():  # all-NaN cells (no sentence) stay NaN, silently
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(self.values, axis=3)

    def subject_mean(self) -> np.ndarray:
        """``(layers, windows)``: mean over subjects of the sentence means."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(self.sentence_mean(), axis=2)


def _stack(arrays: list[np.ndarray], columns: int) -> np.ndarray:
    """Stack ``(n, p_i)`` arrays into ``(len, n, columns)``, padding with NaN columns."""
    out = np.full((len(arrays), arrays[0].shape[0], columns), np.nan)
    for i, array in enumerate(arrays):
        out[i, :, :array.shape[1]] = array
    return out


def _items_by_size(grid: FrameGrid, windows: Sequence[Window], n_sentences: int):
    """``{frame count: [(window index, sentence index, frame indices), ...]}``."""
    groups: dict[int, list] = {}
    for w, window in enumerate(windows):
        for s in range(n_sentences):
            frames = grid.window_frames(window, s)
            if frames is not None:
                groups.setdefault(frames.size, []).append((w, s, frames))
    return groups


def score_table(metric: str, model: ModelSide, dataset: EEGDataset, windows: Sequence[Window],
                subjects: Sequence[str] | None = None) -> ScoreTable:
    """Every (layer, window, subject, sentence) score of ``metric`` (one of the eight)."""
    subjects = list(subjects or dataset.subjects)
    n_sentences = len(dataset.sentences)
    layer_index = {name: i for i, name in enumerate(model.layers)}
    values = np.full((len(model.layers), len(windows), len(subjects), n_sentences), np.nan)
    n_channels = len(dataset.channel_names)
    for grid in model.grids:
        eeg = eeg_frames(dataset, grid, windows, subjects)
        rows = [layer_index[name] for name in grid.layers]
        for _, items in _items_by_size(grid, windows, n_sentences).items():
            x = np.stack([_stack([model.features[name][s][frames] for name in grid.layers],
                                 model.n_components) for _, s, frames in items])
            y = np.stack([_subject_block(eeg, subjects, s, frames, n_channels)
                          for _, s, frames in items])
            scores = cross_scores(metric, x, y)  # (items, layers, subjects)
            for (w, s, _), block in zip(items, scores, strict=True):
                values[rows, w, :, s] = block
    return ScoreTable(values, list(model.layers), list(windows), subjects)


def _subject_block(eeg: dict, subjects: Sequence[str], sentence: int, frames: np.ndarray,
                   n_channels: int) -> np.ndarray:
    """``(subjects, frames, channels)``; all-NaN for a subject without that sentence."""
    out = np.full((len(subjects), frames.size, n_channels), np.nan)
    for i, subject in enumerate(subjects):
        data = eeg[subject][sentence]
        if data is not None:
            out[i] = data[frames]
    return out


def per_channel_scores(metric: str, model: ModelSide, dataset: EEGDataset, layer: str,
                       window: Window, windows: Sequence[Window],
                       subjects: Sequence[str] | None = None) -> np.ndarray:
    """``(subjects, channels)``: mean over sentences of the metric between ``layer`` and each
    single EEG channel (RSA: absolute-difference RDM of the channel) in ``window``.

    ``windows`` is the full window list of the scoring pass (its EEG frames are reused).
    """
    subjects = list(subjects or dataset.subjects)
    grid = next(g for g in model.grids if layer in g.layers)
    eeg = eeg_frames(dataset, grid, windows, subjects)
    n_channels = len(dataset.channel_names)
    total = np.zeros((len(subjects), n_channels))
    count = np.zeros((len(subjects), n_channels))
    for _, items in _items_by_size(grid, [window], len(dataset.sentences)).items():
        x = np.stack([_stack([model.features[layer][s][frames]], model.n_components)
                      for _, s, frames in items])
        y = np.stack([_subject_block(eeg, subjects, s, frames, n_channels) for _, s, frames in items])
        # one single-column comparison per (subject, channel): (items, subjects * channels, n, 1)
        y = y.transpose(0, 1, 3, 2).reshape(len(items), -1, y.shape[2], 1)
        scores = cross_scores(metric, x, y)[:, 0, :].reshape(len(items), len(subjects), n_channels)
        finite = np.isfinite(scores)
        total += np.where(finite, scores, 0.0).sum(axis=0)
        count += finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
