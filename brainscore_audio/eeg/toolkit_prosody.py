"""The prosody analysis under the toolkit protocol (:mod:`.toolkit`; the default is
:mod:`.prosody`).

Per window, sentence and subject, with the toolkit's window frames and EEG windows: the prosody
RDM is ``1 - Pearson r`` between frames across the six features **as measured** (F0 and the
spectral features in Hz, energy, zero-crossing rate: not z-scored, so the Hz-valued features
dominate it, as in the toolkit's ``compute_prosody_rdm``); the EEG RDM is ``1 - Pearson r`` across
the electrodes, each z-scored over the window's frames (the toolkit's
``extract_eeg_multichannel_aligned``, which the TNC function receives); the model RDM is the
layer's. Spearman r between them gives

- ``partial = (r_pe - r_pm r_me) / sqrt((1 - r_pm^2)(1 - r_me^2))``, 0 where the denominator is
  below 1e-10;
- ``TNC = 1 - partial^2 / r_pe^2`` **per sentence**, 0 where ``|r_pe| <= 1e-10`` (or undefined),

(the toolkit's ``compute_tnc``), each then averaged over sentences within a subject, then over
subjects. Windows with fewer than 3 frames have no RDM pair and are left out (the toolkit
defines no rule for them here).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..metrics import similarity
from .dataset import EEGDataset
from .geometry import Window, zscore_columns
from .prosody import ProsodyResult, _mean_then_mean, sentence_prosody
from .toolkit import MIN_FRAMES, ToolkitModelSide, _window_items, eeg_window

PARTIAL_EPSILON = 1e-10  # the toolkit's thresholds for a zero denominator and a zero r


def toolkit_partial(r_pe: np.ndarray, r_pm: np.ndarray, r_me: np.ndarray) -> np.ndarray:
    """Partial correlation prosody-EEG controlling for the model; 0 where the denominator is
    below 1e-10 (NaN inputs give NaN)."""
    r_pe, r_pm, r_me = (np.asarray(r, dtype=np.float64) for r in (r_pe, r_pm, r_me))
    with np.errstate(invalid="ignore"):
        denominator = np.sqrt((1 - r_pm**2) * (1 - r_me**2))
        small = denominator < PARTIAL_EPSILON
        return np.where(small, 0.0, (r_pe - r_pm * r_me) / np.where(small, 1.0, denominator))


def toolkit_tnc(partial: np.ndarray, r_pe: np.ndarray) -> np.ndarray:
    """``1 - partial^2 / r_pe^2`` per sentence; 0 where ``|r_pe| <= 1e-10`` or r_pe is NaN."""
    partial, r_pe = np.asarray(partial, np.float64), np.asarray(r_pe, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        usable = np.abs(r_pe) > PARTIAL_EPSILON
        return np.where(usable, 1.0 - partial**2 / np.where(usable, r_pe, 1.0) ** 2, 0.0)


def toolkit_prosody_analysis(model: ToolkitModelSide, dataset: EEGDataset, layer: str,
                             windows: Sequence[Window], subjects: Sequence[str] | None = None
                             ) -> ProsodyResult:
    """The prosody analysis of one layer under the toolkit protocol (see the module docstring)."""
    subjects = list(subjects or dataset.subjects)
    grid = next(g for g in model.grids if layer in g.layers)
    full, groups = sentence_prosody(dataset, grid)
    n_windows, n_sentences = len(windows), len(dataset.sentences)
    r_pe = np.full((n_windows, len(subjects), n_sentences), np.nan)
    r_me = np.full_like(r_pe, np.nan)
    r_pm = np.full((n_windows, n_sentences), np.nan)
    computed = np.zeros(r_pe.shape, dtype=bool)
    prepared = []  # (n, items, prosody embeddings, model embeddings)
    for n, items in _window_items(grid, windows).items():
        if n < MIN_FRAMES:
            continue
        e_p = similarity.embed("rsa-spearman", np.stack([full[s][a:b] for _, s, a, b in items]))
        e_m = similarity.embed("rsa-spearman", np.stack([model.features[layer][s][a:b]
                                                         for _, s, a, b in items]))
        for k, (w, s, _, _) in enumerate(items):
            r_pm[w, s] = e_p[k] @ e_m[k]
        prepared.append((n, items, e_p, e_m))
    for j, subject in enumerate(subjects):
        eeg = dataset.subject_eeg(subject)
        for n, items, e_p, e_m in prepared:
            cut = [eeg_window(eeg, dataset, windows[w], s, n) for w, s, _, _ in items]
            live = [k for k, (y, _) in enumerate(cut) if y is not None and len(y)]
            if not live:
                continue
            # electrodes z-scored over the window's frames; dropped electrodes stay NaN (ignored)
            y = np.stack([zscore_columns(np.where(cut[k][1], cut[k][0], np.nan)) for k in live])
            e_e = similarity.embed("rsa-spearman", y)
            for i, k in enumerate(live):
                w, s = items[k][0], items[k][1]
                r_pe[w, j, s] = e_p[k] @ e_e[i]
                r_me[w, j, s] = e_m[k] @ e_e[i]
                computed[w, j, s] = True
    partial = toolkit_partial(r_pe, r_pm[:, None, :], r_me)
    tnc = toolkit_tnc(partial, r_pe)
    tnc[~computed] = np.nan  # no EEG window (or fewer than 3 frames): left out, not a 0
    table: dict[str, list[dict]] = {}
    for group, members in groups.items():
        table[group] = [{
            "window": window.name,
            "r_prosody_eeg": _mean_then_mean(r_pe[w][:, members]),
            "partial_r": _mean_then_mean(partial[w][:, members]),
            "r_prosody_model": float(np.nanmean(r_pm[w, members]))
            if np.any(np.isfinite(r_pm[w, members])) else float("nan"),
            "r_model_eeg": _mean_then_mean(r_me[w][:, members]),
            "tnc": _mean_then_mean(tnc[w][:, members]),
            "n_sentences": int(np.sum(np.isfinite(r_pm[w, members])))}
            for w, window in enumerate(windows)]
    return ProsodyResult(list(windows), groups, table)
