"""Permutation (Mantel) test of an EEG benchmark's score, per time window, with FDR
(docs/methods.md#eeg-permutation-test).

The statistic of a window is the benchmark's: the metric between one layer and the EEG, averaged
over sentences within each subject, then over subjects. Under the null, the frame order of the
EEG inside the window is shuffled (independently for every sentence and subject), which breaks
the frame correspondence but keeps each side's own geometry. ``p = (#{null >= observed} + 1) /
(n + 1)``; Benjamini-Hochberg q-values are taken over the windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..metrics import similarity
from .dataset import EEGDataset
from .geometry import Window
from .scoring import (
    EMBEDDING_BUDGET_BYTES,
    ModelSide,
    _embedding_size,
    _items_by_size,
    _stack,
    _subject_block,
    eeg_frames,
)


def fdr_bh(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), in the input order; NaN stays NaN."""
    p = np.asarray(p_values, dtype=np.float64)
    q = np.full_like(p, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if finite.size == 0:
        return q
    order = finite[np.argsort(p[finite], kind="stable")]
    m = order.size
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q[order] = np.minimum(ranked, 1.0)
    return q


@dataclass
class WindowTest:
    window: Window
    observed: float
    p: float
    q: float
    null_mean: float
    null_std: float
    n_sentences: int


def permutation_test(metric: str, model: ModelSide, dataset: EEGDataset, layer: str,
                     windows: Sequence[Window], n_permutations: int = 500, seed: int = 0,
                     subjects: Sequence[str] | None = None) -> list[WindowTest]:
    """Observed statistic, permutation p and FDR q for each window at one layer."""
    if n_permutations < 1:
        raise ValueError("n_permutations must be >= 1")
    subjects = list(subjects or dataset.subjects)
    grid = next(g for g in model.grids if layer in g.layers)
    eeg = eeg_frames(dataset, grid, windows, subjects)
    n_channels = len(dataset.channel_names)
    rng = np.random.default_rng(seed)
    n_w, n_s = len(windows), len(subjects)
    obs_sum = np.zeros((n_w, n_s))
    obs_count = np.zeros((n_w, n_s))
    null_sum = np.zeros((n_permutations, n_w, n_s))
    null_count = np.zeros((n_permutations, n_w, n_s))
    sentences_used = np.zeros(n_w, dtype=int)
    for size, items in sorted(_items_by_size(grid, windows, len(dataset.sentences)).items()):
        if size < similarity.MIN_ROWS[metric]:
            continue
        x = np.stack([_stack([model.features[layer][s][frames]], model.n_components)
                      for _, s, frames in items])[:, 0]
        y = np.stack([_subject_block(eeg, subjects, s, frames, n_channels)
                      for _, s, frames in items])  # (items, S, n, C)
        ex = similarity.embed(metric, x)  # (items, E)
        window_of = np.array([w for w, _, _ in items])
        for w in set(window_of.tolist()):
            sentences_used[w] += int(np.sum(window_of == w))
        observed = _scores(metric, ex, y)
        _accumulate(obs_sum[None], obs_count[None], observed[None], window_of)
        row_bytes = (_embedding_size(metric, size) + size * y.shape[3]) * 8
        chunk = max(1, EMBEDDING_BUDGET_BYTES // max(1, row_bytes * len(items) * n_s))
        for start in range(0, n_permutations, chunk):
            stop = min(n_permutations, start + chunk)
            order = np.argsort(rng.random((stop - start, len(items), n_s, size)), axis=-1)
            shuffled = np.take_along_axis(y[None], order[..., None], axis=3)
            scores = _scores(metric, ex, shuffled.reshape(-1, n_s, size, y.shape[3]),
                             repeat=stop - start).reshape(stop - start, len(items), n_s)
            _accumulate(null_sum[start:stop], null_count[start:stop], scores, window_of)
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.nanmean(np.where(obs_count > 0, obs_sum / obs_count, np.nan), axis=1) \
            if n_s else np.full(n_w, np.nan)
        null = np.nanmean(np.where(null_count > 0, null_sum / null_count, np.nan), axis=2)
    p = np.array([(np.sum(null[:, w] >= observed[w] - 1e-12) + 1) / (n_permutations + 1)
                  if np.isfinite(observed[w]) else np.nan for w in range(n_w)])
    q = fdr_bh(p)
    return [WindowTest(window, float(observed[w]), float(p[w]), float(q[w]),
                       float(np.nanmean(null[:, w])) if np.isfinite(observed[w]) else np.nan,
                       float(np.nanstd(null[:, w])) if np.isfinite(observed[w]) else np.nan,
                       int(sentences_used[w]))
            for w, window in enumerate(windows)]


def _scores(metric: str, ex: np.ndarray, y: np.ndarray, repeat: int = 1) -> np.ndarray:
    """``(items * repeat, S)`` scores of model embeddings ``ex (items, E)`` against EEG blocks
    ``y (items * repeat, S, n, C)`` (the items repeated ``repeat`` times in order)."""
    rows, n_s, n, c = y.shape
    ey = similarity.embed(metric, y.reshape(-1, n, c)).reshape(rows, n_s, -1)
    tiled = np.tile(ex, (repeat, 1))
    out = np.einsum("ie,ise->is", tiled.astype(np.float64), ey.astype(np.float64))
    return out if metric == "hsic-rbf" else np.clip(out, -1.0, 1.0)


def _accumulate(total: np.ndarray, count: np.ndarray, scores: np.ndarray,
                window_of: np.ndarray) -> None:
    """Add ``scores (P, items, S)`` into ``total/count (P, W, S)`` by each item's window."""
    finite = np.isfinite(scores)
    values = np.where(finite, scores, 0.0)
    for w in np.unique(window_of):
        mask = window_of == w
        total[:, w] += values[:, mask].sum(axis=1)
        count[:, w] += finite[:, mask].sum(axis=1)
