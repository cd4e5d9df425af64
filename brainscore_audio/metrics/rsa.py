"""Representational similarity analysis: RDMs, their comparison, layer choice, topline.

Conventions (docs/methods.md#fmri-rsa; Pepino et al.'s code, mrpep/braindnn ``src/learning.py``):
an RDM of a matrix ``(stimuli, features)`` z-scores each feature over stimuli, then takes
1 - Pearson r between stimulus rows. Two RDMs are compared by Spearman rho of their strict upper
triangles; a comparison with a constant RDM is undefined (NaN), never a score of 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .correlation import columnwise_pearson, constant_columns
from .layer_choice import first_best

DEAD_UNITS = ("zero", "drop")
MIN_VARYING_FEATURES = 2


def rdm(features: np.ndarray, dead_units: str = "zero") -> np.ndarray:
    """Correlation-distance RDM of z-scored features.

    Args:
        features: ``(n_stimuli, n_features)``.
        dead_units: what happens to constant features (dead units, whose z-score is undefined):
            ``"zero"`` keeps them as zero columns, as the authors' code does (its z-score
            divides by ``std + 1e-10``), so they still count in each stimulus row's mean and
            length; ``"drop"`` removes them.
    Returns:
        ``(n_stimuli, n_stimuli)`` float64, zero diagonal. A stimulus row that is constant after
        z-scoring gets distance 1 to every other stimulus (the authors' code gives NaN there).
    """
    if dead_units not in DEAD_UNITS:
        raise ValueError(f"dead_units must be one of {DEAD_UNITS}, got {dead_units!r}")
    x = np.asarray(features, dtype=np.float64)
    keep = ~constant_columns(x)
    z = (x[:, keep] - x[:, keep].mean(axis=0)) / x[:, keep].std(axis=0)
    if dead_units == "zero":
        x = np.zeros_like(x)
        x[:, keep] = z
    else:
        x = z
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


def rdm_problem(features: np.ndarray) -> str | None:
    """Why ``features`` ``(n_stimuli, p)`` give no usable RDM, or None if they do: an RDM needs
    at least 2 features that vary over stimuli (with one, every correlation distance is 0 or
    2; with none, the RDM is constant)."""
    count = int((~constant_columns(features)).sum())
    if count >= MIN_VARYING_FEATURES:
        return None
    total = np.asarray(features).shape[1]
    return (f"{count} of {total} features vary over the stimuli; an RDM needs at least "
            f"{MIN_VARYING_FEATURES}")


def upper_triangle(matrix: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Strict upper-triangle entries of a square matrix (row-major order), optionally only
    where the boolean ``mask`` (same shape) is True."""
    rows, cols = np.triu_indices(matrix.shape[0], k=1)
    if mask is not None:
        keep = mask[rows, cols]
        rows, cols = rows[keep], cols[keep]
    return matrix[rows, cols]


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (``scipy.stats.rankdata``; scipy.stats takes ~0.4 s
    to import, which plugin registration should not pay)."""
    from scipy.stats import rankdata

    return rankdata(values, axis=-1)


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
    return _ranks(rdms[:, rows, cols])


def _rank_correlation(reference_ranks: np.ndarray, candidate_ranks: np.ndarray) -> np.ndarray:
    """Pearson r between one rank vector ``(e,)`` and each row of ``(k, e)``: ``(k,)``; NaN
    where a side is constant."""
    return columnwise_pearson(np.broadcast_to(reference_ranks[:, None], candidate_ranks.T.shape),
                              candidate_ranks.T, constant=np.nan)


def compare_rdms(reference: np.ndarray, candidates: np.ndarray | Sequence[np.ndarray],
                 mask: np.ndarray | None = None) -> np.ndarray:
    """Spearman rho between one RDM and each of several RDMs (upper triangles).

    Args:
        reference: ``(n, n)``.
        candidates: ``(k, n, n)`` or a list of k ``(n, n)`` RDMs.
        mask: optional ``(n, n)`` boolean; only upper-triangle entries where it is True count.
    Returns:
        ``(k,)`` rho values (ties get average ranks, as ``scipy.stats.spearmanr``); NaN where a
        side is constant (undefined).
    """
    return _rank_correlation(upper_ranks([reference], mask)[0], upper_ranks(candidates, mask))


class LayerRDMs:
    """A model's layer RDMs, ranked once for comparison with many brain RDMs.

    Ranks of the full upper triangle, and of the entries each cross-validated layer choice uses,
    are computed on construction and shared by every subject.

    Args:
        rdms: ``(n_layers, n, n)``.
        folds: ``(n,)`` fold label per stimulus, or None if no cross-validation is needed.
    """

    def __init__(self, rdms: np.ndarray, folds: np.ndarray | None = None) -> None:
        self.rdms = np.asarray(rdms, dtype=np.float64)
        self.ranks = upper_ranks(self.rdms)
        self.folds = None if folds is None else np.asarray(folds)
        self.selections = []
        if self.folds is not None:
            n = self.rdms.shape[-1]
            rows, cols = np.triu_indices(n, k=1)
            self.upper_layers = self.rdms[:, rows, cols]
            for selection, filled in _authors_fold_pairs(self.folds):
                self.selections.append((selection, filled, _ranks(self.upper_layers[:, selection])))

    def compare(self, brain_rdm: np.ndarray) -> np.ndarray:
        """Spearman rho of ``brain_rdm`` ``(n, n)`` with each layer: ``(n_layers,)`` (NaN for a
        constant RDM on either side)."""
        return _rank_correlation(upper_ranks([brain_rdm])[0], self.ranks)

    def cross_validated(self, brain_rdm: np.ndarray) -> tuple[float, np.ndarray]:
        """See :func:`cross_validated_layer_rsa`."""
        if self.folds is None:
            raise ValueError("LayerRDMs was built without folds")
        n = len(self.folds)
        rows, cols = np.triu_indices(n, k=1)
        brain = brain_rdm[rows, cols]
        composite = np.full(rows.size, np.nan)
        chosen_upper = np.full(rows.size, -1, dtype=np.int64)
        for selection, filled, layer_ranks in self.selections:
            rho = _rank_correlation(_ranks(brain[selection]), layer_ranks)
            best = first_best(rho)
            if best is None:
                continue
            composite[filled] = self.upper_layers[best, filled]
            chosen_upper[filled] = best
        chosen = np.full((n, n), -1, dtype=np.int64)
        chosen[rows, cols] = chosen_upper
        chosen[cols, rows] = chosen_upper
        if np.any(chosen_upper < 0):
            return float("nan"), chosen
        value = _rank_correlation(_ranks(brain), _ranks(composite)[None])[0]
        return float(value), chosen


def _authors_fold_pairs(folds: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The layer choices of Pepino et al.'s ``rsa_layer_select``, as boolean masks over the
    strict upper triangle (row-major): ``[(selection, filled), ...]``.

    Their loop runs over fold pairs ``(i, j)``, ``i <= j`` in sorted fold order; pair ``(i, j)``
    chooses the layer with the highest Spearman rho on the upper-triangle entries ``(a, b)``,
    ``a < b``, with ``a`` outside fold i and ``b`` outside fold j, and writes that layer's
    distances into every entry with ``a`` in fold i or ``b`` in fold j, later pairs overwriting
    earlier ones. The composite is then compared on its upper triangle. So entry ``(a, b)``
    (folds ``f_a``, ``f_b``, by position in sorted order, ``K`` folds) keeps the choice of the
    last pair that wrote it: ``(f_b, f_b)`` if ``f_a < f_b``, else ``(f_a, K - 1)``. Only those
    pairs are evaluated (the others are overwritten entirely); each entry's own value is never
    in its pair's selection set.
    """
    fold_ids, position = np.unique(folds, return_inverse=True)
    last = len(fold_ids) - 1
    rows, cols = np.triu_indices(len(folds), k=1)
    fold_a, fold_b = position[rows], position[cols]
    pair_i = np.where(fold_a < fold_b, fold_b, fold_a)
    pair_j = np.where(fold_a < fold_b, fold_b, last)
    out = []
    for i, j in sorted(set(zip(pair_i.tolist(), pair_j.tolist(), strict=True))):
        selection = (fold_a != i) & (fold_b != j)
        filled = (pair_i == i) & (pair_j == j)
        out.append((selection, filled))
    return out


def cross_validated_layer_rsa(
    brain_rdm: np.ndarray, layer_rdms: np.ndarray, folds: np.ndarray
) -> tuple[float, np.ndarray]:
    """RSA with the layer chosen without the entry it is scored on, as Pepino et al.'s
    ``rsa_layer_select`` (mrpep/braindnn ``src/learning.py``) computes it.

    For each fold pair ``(i, j)``, ``i <= j``, the layer with the highest Spearman rho on the
    upper-triangle entries ``(a < b)`` with ``a`` outside fold i and ``b`` outside fold j is
    chosen, and its distances fill the entries with ``a`` in fold i or ``b`` in fold j; later
    pairs overwrite earlier ones. The composite's upper triangle is compared with
    ``brain_rdm`` once. See :func:`_authors_fold_pairs` for which pair each entry ends up with.
    Ties go to the first layer (``numpy.argmax``); layers whose rho is NaN (a constant RDM)
    are never chosen (``numpy.argmax`` would pick them). For many subjects, build one
    :class:`LayerRDMs` and call its ``cross_validated``.

    Args:
        brain_rdm: ``(n, n)``.
        layer_rdms: ``(n_layers, n, n)``.
        folds: ``(n,)`` fold label per stimulus.
    Returns:
        ``(rho, chosen)``: the Spearman rho of the composite (NaN if some entry has no
        defined choice), and ``(n, n)`` int array of the layer index used for each off-diagonal
        entry (symmetric; -1 on the diagonal and where undefined).
    """
    return LayerRDMs(layer_rdms, folds).cross_validated(brain_rdm)


def leave_one_subject_out_topline(subject_rdms: np.ndarray) -> np.ndarray:
    """Spearman rho of each subject's RDM with the mean RDM of the other subjects.

    Args:
        subject_rdms: ``(n_subjects, n, n)``.
    Returns:
        ``(n_subjects,)``; its mean is the RSA topline (noise ceiling,
        docs/methods.md#ceiling-convention).
    """
    total = subject_rdms.sum(axis=0)
    k = subject_rdms.shape[0]
    return np.array([
        compare_rdms(subject_rdms[s], [(total - subject_rdms[s]) / (k - 1)])[0] for s in range(k)
    ])
