"""Downstream metrics with HEAR 2021's definitions (``heareval/score.py``), written for numpy.

Every function takes ``scores`` ``(n_clips, n_classes)`` (probabilities or any monotone score,
higher = more likely) and ``targets`` ``(n_clips, n_classes)`` binary (one-hot for multiclass,
multi-hot for multilabel) and returns a float.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

#: AUCs are clipped to [AUC_EPS, 1 - AUC_EPS] before the probit so a perfect class gives a
#: finite d' (about 6.7) instead of infinity.
AUC_EPS = 1e-6


def _check(scores: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    targets = np.asarray(targets)
    if scores.ndim != 2 or scores.shape != targets.shape:
        raise ValueError(f"scores {scores.shape} and targets {targets.shape} must be equal 2-D")
    return scores, targets.astype(bool)


def top1_accuracy(scores: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of clips whose highest-scoring class is the target class (ties: first)."""
    scores, targets = _check(scores, targets)
    return float(np.mean(scores.argmax(axis=1) == targets.argmax(axis=1)))


def chroma_accuracy(scores: np.ndarray, targets: np.ndarray) -> float:
    """Top-1 accuracy after mapping class index to index mod 12 (HEAR: octave errors ignored;
    assumes the vocabulary lists consecutive semitones, as NSynth pitch's does)."""
    scores, targets = _check(scores, targets)
    return float(np.mean(scores.argmax(axis=1) % 12 == targets.argmax(axis=1) % 12))


def average_precision_per_class(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Average precision of each class, ``(n_classes,)``.

    AP = sum over distinct score thresholds (descending) of (R_k - R_{k-1}) P_k, the step-wise
    definition of scikit-learn's ``average_precision_score``; a class without positives gets 0,
    as there.
    """
    scores, targets = _check(scores, targets)
    result = np.zeros(scores.shape[1])
    for c in range(scores.shape[1]):
        positives = targets[:, c].sum()
        if positives == 0:
            continue
        order = np.argsort(-scores[:, c], kind="mergesort")
        s, y = scores[order, c], targets[order, c]
        # last index of each run of equal scores = one threshold
        ends = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]
        tp = np.cumsum(y)[ends]
        precision = tp / (ends + 1)
        recall = tp / positives
        result[c] = np.sum(np.diff(np.r_[0.0, recall]) * precision)
    return result


def mean_average_precision(scores: np.ndarray, targets: np.ndarray) -> float:
    """Macro mean of :func:`average_precision_per_class` (= sklearn ``average="macro"``)."""
    return float(np.mean(average_precision_per_class(scores, targets)))


def roc_auc_per_class(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """ROC AUC of each class by the Mann-Whitney rank formula (ties count one half),
    ``(n_classes,)``; NaN for a class without positives or without negatives."""
    scores, targets = _check(scores, targets)
    result = np.full(scores.shape[1], np.nan)
    for c in range(scores.shape[1]):
        n_pos = int(targets[:, c].sum())
        n_neg = len(targets) - n_pos
        if n_pos == 0 or n_neg == 0:
            continue
        ranks = stats.rankdata(scores[:, c])
        result[c] = (ranks[targets[:, c]].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return result


def aucroc(scores: np.ndarray, targets: np.ndarray) -> float:
    """Macro mean ROC AUC over the classes where it is defined."""
    auc = roc_auc_per_class(scores, targets)
    return float(np.nanmean(auc)) if np.any(np.isfinite(auc)) else float("nan")


def d_prime(scores: np.ndarray, targets: np.ndarray) -> float:
    """HEAR's d': per class sqrt(2) * Phi^-1(ROC AUC), then the mean over classes.

    Classes whose AUC is undefined (no positives or no negatives in this split) are left out
    (HEAR returns NaN for the whole split then); AUC is clipped to [1e-6, 1 - 1e-6].
    """
    auc = roc_auc_per_class(scores, targets)
    auc = auc[np.isfinite(auc)]
    if auc.size == 0:
        return float("nan")
    return float(np.mean(np.sqrt(2.0) * stats.norm.ppf(np.clip(auc, AUC_EPS, 1 - AUC_EPS))))


#: HEAR metric name -> function. ``pitch_acc`` is HEAR's top-1 accuracy over pitch labels.
METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "top1_acc": top1_accuracy,
    "pitch_acc": top1_accuracy,
    "chroma_acc": chroma_accuracy,
    "mAP": mean_average_precision,
    "d_prime": d_prime,
    "aucroc": aucroc,
}
