"""Representational similarity analysis: RDMs, their comparison, layer choice, topline.

Conventions (METHODS.md section 4; the authors' public code): an RDM of a matrix
``(stimuli, features)`` z-scores each feature over stimuli, then takes 1 - Pearson r between
stimulus rows. Two RDMs are compared by Spearman rho of their strict upper triangles.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .correlation import columnwise_pearson


def rdm(features: np.ndarray) -> np.ndarray:
    """Correlation-distance RDM of z-scored features.

    Args:
        features: ``(n_stimuli, n_features)``.
    Returns:
        ``(n_stimuli, n_stimuli)`` float64, zero diagonal. Constant features are dropped (their
        z-score is undefined); a stimulus row that is constant after z-scoring gets distance 1
        to every other stimulus.
    """
    x = np.asarray(features, dtype=np.float64)
    std = x.std(axis=0)
    keep = std > 1e-12 * np.maximum(np.abs(x).max(axis=0), 1e-300)
    x = (x[:, keep] - x[:, keep].mean(axis=0)) / std[keep]
    x = x - x.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(x, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    unit = x / safe[:, None]
    correlation = np.clip(unit @ unit.T, -1.0, 1.0)
    correlation[norms == 0, :] = 0.0
    correlation[:, norms == 0] = 0.0
    distances = 1.0 - correlation
    np.fill_diagonal(distances, 0.0)
    return distances


def upper_triangle(matrix: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Strict upper-triangle entries of a square matrix (row-major order), optionally only
    where the boolean ``mask`` (same shape) is True."""
    rows, cols = np.triu_indices(matrix.shape[0], k=1)
    if mask is not None:
        keep = mask[rows, cols]
        rows, cols = rows[keep], cols[keep]
    return matrix[rows, cols]


def upper_ranks(rdms: np.ndarray | Sequence[np.ndarray], mask: np.ndarray | None = None) -> np.ndarray:
    """Ranks (ties averaged, as ``scipy.stats.rankdata``) of the strict upper triangle of each
    RDM, optionally only where ``mask`` is True.

    Args:
        rdms: ``(k, n, n)`` or a list of k ``(n, n)``.
        mask: optional ``(n, n)`` boolean.
    Returns:
        ``(k, entries)`` float64.
    """
    rdms = np.asarray(rdms, dtype=np.float64)
    rows, cols = np.triu_indices(rdms.shape[-1], k=1)
    if mask is not None:
        keep = mask[rows, cols]
        rows, cols = rows[keep], cols[keep]
    from scipy.stats import rankdata  # ~0.4 s to import: not when plugins register

    return rankdata(rdms[:, rows, cols], axis=1)


def _rank_correlation(reference_ranks: np.ndarray, candidate_ranks: np.ndarray) -> np.ndarray:
    """Pearson r between one rank vector ``(e,)`` and each row of ``(k, e)``: ``(k,)``."""
    return columnwise_pearson(np.broadcast_to(reference_ranks[:, None], candidate_ranks.T.shape),
                              candidate_ranks.T)


def compare_rdms(reference: np.ndarray, candidates: np.ndarray | Sequence[np.ndarray],
                 mask: np.ndarray | None = None) -> np.ndarray:
    """Spearman rho between one RDM and each of several RDMs (upper triangles).

    Args:
        reference: ``(n, n)``.
        candidates: ``(k, n, n)`` or a list of k ``(n, n)`` RDMs.
        mask: optional ``(n, n)`` boolean; only upper-triangle entries where it is True count.
    Returns:
        ``(k,)`` rho values (ties get average ranks, as ``scipy.stats.spearmanr``); 0 where a
        side is constant.
    """
    return _rank_correlation(upper_ranks([reference], mask)[0], upper_ranks(candidates, mask))


class LayerRDMs:
    """A model's layer RDMs, ranked once for comparison with many brain RDMs.

    Ranks of the full upper triangle, and of the entries outside every pair of folds (for the
    cross-validated layer choice), are computed on construction and shared by every subject.

    Args:
        rdms: ``(n_layers, n, n)``.
        folds: ``(n,)`` fold label per stimulus, or None if no cross-validation is needed.
    """

    def __init__(self, rdms: np.ndarray, folds: np.ndarray | None = None) -> None:
        self.rdms = np.asarray(rdms, dtype=np.float64)
        self.ranks = upper_ranks(self.rdms)
        self.folds = None if folds is None else np.asarray(folds)
        self.blocks = []
        if self.folds is not None:
            fold_ids = np.unique(self.folds)
            for i, fold_a in enumerate(fold_ids):
                for fold_b in fold_ids[i:]:
                    held_out = (self.folds == fold_a) | (self.folds == fold_b)
                    selection = ~held_out[:, None] & ~held_out[None, :]
                    block = np.outer(self.folds == fold_a, self.folds == fold_b)
                    block |= block.T
                    self.blocks.append((selection, block, upper_ranks(self.rdms, selection)))

    def compare(self, brain_rdm: np.ndarray) -> np.ndarray:
        """Spearman rho of ``brain_rdm`` ``(n, n)`` with each layer: ``(n_layers,)``."""
        return _rank_correlation(upper_ranks([brain_rdm])[0], self.ranks)

    def cross_validated(self, brain_rdm: np.ndarray) -> tuple[float, np.ndarray]:
        """See :func:`cross_validated_layer_rsa`."""
        if self.folds is None:
            raise ValueError("LayerRDMs was built without folds")
        n = len(self.folds)
        composite = np.zeros((n, n))
        chosen = np.zeros((n, n), dtype=np.int64)
        for selection, block, layer_ranks in self.blocks:
            rho = _rank_correlation(upper_ranks([brain_rdm], selection)[0], layer_ranks)
            best = int(np.argmax(rho))
            composite[block] = self.rdms[best][block]
            chosen[block] = best
        return float(compare_rdms(brain_rdm, composite[None])[0]), chosen


def cross_validated_layer_rsa(
    brain_rdm: np.ndarray, layer_rdms: np.ndarray, folds: np.ndarray
) -> tuple[float, np.ndarray]:
    """RSA with the layer chosen without the entries it is scored on.

    For every pair of folds (a, b), a <= b, the layer is chosen by Spearman rho on the RDM
    entries whose two stimuli lie outside folds a and b, and that layer's distances fill the
    (a, b) block of a composite model RDM. The composite is compared with ``brain_rdm`` once.
    This follows the authors' ``rsa_layer_select``, with each block filled exactly once. For
    many subjects, build one :class:`LayerRDMs` and call its ``cross_validated``.

    Args:
        brain_rdm: ``(n, n)``.
        layer_rdms: ``(n_layers, n, n)``.
        folds: ``(n,)`` fold label per stimulus.
    Returns:
        ``(rho, chosen)``: the Spearman rho of the composite, and ``(n, n)`` int array of the
        layer index used for each entry.
    """
    return LayerRDMs(layer_rdms, folds).cross_validated(brain_rdm)


def leave_one_subject_out_topline(subject_rdms: np.ndarray) -> np.ndarray:
    """Spearman rho of each subject's RDM with the mean RDM of the other subjects.

    Args:
        subject_rdms: ``(n_subjects, n, n)``.
    Returns:
        ``(n_subjects,)``; its mean is the RSA topline (noise ceiling) of METHODS.md section 4.
    """
    total = subject_rdms.sum(axis=0)
    k = subject_rdms.shape[0]
    return np.array([
        compare_rdms(subject_rdms[s], [(total - subject_rdms[s]) / (k - 1)])[0] for s in range(k)
    ])
