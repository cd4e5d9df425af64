"""Similarity between two representations of the same items
(docs/methods.md#eeg-similarity-metrics).

Every metric compares X ``(n, p)`` and Y ``(n, q)`` whose rows are the same n items (here: the
frames of one sentence inside one time window) and returns one float. The mapping
:data:`SIMILARITY_METRICS` holds the eight metrics of Yang et al. (2026) and six more from the
"platonic representation" line of work; all are deterministic.

Why it is fast: each of the eight is a normalised (or, for ``hsic-rbf``, scaled) inner product of
two *side embeddings*, one computed from X alone and one from Y alone:

============== ===================================================================
rsa-pearson    centred, unit-norm upper triangle of the RDM
rsa-spearman   centred, unit-norm average ranks of that upper triangle
rsa-kendall    unit-norm signs of all pairwise differences of the upper triangle
               (their inner product is Kendall's tau-b); above 496 RDM entries
               (windows of more than 32 frames) tau-b is computed by sorting instead,
               O(m log^2 m) per pair (:func:`kendall_tau_b`)
cka-linear     unit-norm doubly centred linear Gram matrix H X X' H
rv             unit-norm X_c X_c' of the column-centred data (the same number)
cka-rbf        unit-norm H K H, Gaussian kernel with the median-heuristic bandwidth
hsic-rbf       H K H / (n - 1): the inner product is trace(K H L H) / (n - 1)^2
dcor           unit-norm doubly centred Euclidean distance matrix (V-statistic)
============== ===================================================================

So thousands of comparisons are batched matrix products (:func:`embed`, :func:`cross_similarity`,
:func:`paired_similarity`), and many layers against many subjects cost one product per window.

Conventions: the RDM of a side is ``1 - Pearson r`` between rows computed across columns, or the
absolute difference when the side has a single column. A column that is entirely NaN is a
missing (dropped) channel: it is ignored by every metric. A metric that is undefined for the
input (a constant side, fewer than 3 rows) returns NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray

EIGHT = ("rsa-spearman", "rsa-pearson", "rsa-kendall", "cka-linear", "cka-rbf", "dcor", "hsic-rbf",
         "rv")
EXTRA = ("cka-unbiased", "mutual-knn", "cknna", "svcca", "pwcca", "procrustes")


# ----------------------------------------------------------------------------- side matrices


def _rankdata(values: np.ndarray) -> np.ndarray:
    """Average ranks along the last axis (``scipy.stats.rankdata``, imported on first use: it
    costs ~0.5 s, which plugin registration should not pay)."""
    from scipy.stats import rankdata

    return rankdata(values, axis=-1)

def _as_batch(x: Array) -> Array:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"expected (n, features) or (batch, n, features), got shape {x.shape}")
    return x


def _valid_columns(x: Array) -> tuple[Array, Array]:
    """``(x with NaN columns zeroed, valid (b, p) bool)``; a column with any NaN is dropped."""
    valid = np.all(np.isfinite(x), axis=1)
    return np.where(valid[:, None, :], x, 0.0), valid


def rdm_batch(x: Array) -> Array:
    """Frames x frames dissimilarities of each batch item.

    Args:
        x: ``(b, n, p)`` (or ``(n, p)``); NaN columns are ignored.
    Returns:
        ``(b, n, n)``: ``1 - Pearson r`` between rows across the valid columns, or ``|x_i - x_j|``
        when an item has a single valid column. A row that is constant across columns has
        correlation 0 (distance 1) with every other row.
    """
    x, valid = _valid_columns(_as_batch(x))
    count = valid.sum(axis=1)  # (b,)
    weights = valid[:, None, :].astype(np.float64)
    means = (x * weights).sum(axis=2, keepdims=True) / np.maximum(count, 1)[:, None, None]
    centred = (x - means) * weights
    norms = np.linalg.norm(centred, axis=2)
    unit = centred / np.where(norms > 1e-12 * np.maximum(np.abs(x).max(axis=2), 1e-300), norms,
                              np.inf)[:, :, None]
    correlation = np.clip(unit @ unit.transpose(0, 2, 1), -1.0, 1.0)
    distances = 1.0 - correlation
    single = count == 1
    if np.any(single):
        column = np.argmax(valid[single], axis=1)
        values = np.take_along_axis(x[single], column[:, None, None], axis=2)[:, :, 0]
        distances[single] = np.abs(values[:, :, None] - values[:, None, :])
    n = x.shape[1]
    distances[:, np.arange(n), np.arange(n)] = 0.0
    return distances


def _upper(matrices: Array) -> Array:
    """Strict upper triangles ``(b, n(n-1)/2)`` of ``(b, n, n)``, row-major order."""
    rows, cols = np.triu_indices(matrices.shape[-1], k=1)
    return matrices[:, rows, cols]


def _double_centre(matrices: Array) -> Array:
    """``H M H`` for each ``(n, n)`` matrix in a batch (H the centring matrix)."""
    return (matrices - matrices.mean(axis=1, keepdims=True) - matrices.mean(axis=2, keepdims=True)
            + matrices.mean(axis=(1, 2), keepdims=True))


# Below this fraction of the largest squared row norm of an item, the Gram-matrix formula may
# have lost 8 or more of its 16 digits to cancellation: such distances are summed again from
# the differences themselves.
_CANCELLATION = 1e-8


def _squared_distances(x: Array) -> Array:
    """Squared Euclidean distances between rows ``(b, n, n)`` (NaN columns ignored).

    From ``|a|^2 + |b|^2 - 2 a.b`` of the column-centred rows; where that may cancel (distances
    below 1e-8 of the item's largest squared row norm, e.g. duplicate rows) the distance is
    summed from the differences instead, so rows that are exact duplicates are exactly 0 apart.
    """
    x, _ = _valid_columns(x)
    x = x - x.mean(axis=1, keepdims=True)  # translation does not change distances; better rounding
    sq = np.einsum("bij,bij->bi", x, x)
    d2 = x @ x.transpose(0, 2, 1)
    d2 *= -2.0
    d2 += sq[:, :, None]
    d2 += sq[:, None, :]
    n = x.shape[1]
    suspect = d2 <= (_CANCELLATION * 2.0 * sq.max(axis=1, initial=0.0))[:, None, None]
    suspect[:, np.arange(n), np.arange(n)] = False
    item, row, col = np.nonzero(suspect)
    difference = x[item, row] - x[item, col]
    d2[item, row, col] = np.einsum("kp,kp->k", difference, difference)
    d2[:, np.arange(n), np.arange(n)] = 0.0
    return np.maximum(d2, 0.0, out=d2)


def median_bandwidth(x: Array) -> Array:
    """Median heuristic ``s^2`` per item: median of the non-zero squared distances between rows
    (rows that are exact duplicates are 0 apart and left out).

    Returns ``(b,)``; NaN where all rows coincide.
    """
    upper = _upper(_squared_distances(_as_batch(x)))
    upper = np.where(upper > 0, upper, np.nan)
    with np.errstate(all="ignore"):
        all_nan = np.all(np.isnan(upper), axis=1)
        out = np.full(upper.shape[0], np.nan)
        if np.any(~all_nan):
            out[~all_nan] = np.nanmedian(upper[~all_nan], axis=1)
    return out


def rbf_kernel_batch(x: Array) -> Array:
    """Gaussian kernels ``exp(-d^2 / (2 s^2))`` with the median-heuristic ``s^2`` per item."""
    x = _as_batch(x)
    d2 = _squared_distances(x)
    s2 = median_bandwidth(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.exp(-d2 / (2.0 * s2[:, None, None]))


# ----------------------------------------------------------------------------- Kendall's tau-b

def _dense_ranks(values: Array) -> tuple[Array, Array]:
    """Per row, ``(dense integer ranks (k, m) int64, the same ranks sorted (k, m))``: equal
    values share a rank, ranks are consecutive from 0."""
    order = np.argsort(values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    starts = np.ones(ordered.shape, dtype=np.int64)
    starts[:, 0] = 0
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    sorted_ranks = np.cumsum(starts, axis=1)
    ranks = np.empty_like(sorted_ranks)
    np.put_along_axis(ranks, order, sorted_ranks, axis=1)
    return ranks, sorted_ranks


def _tied_pairs(sorted_keys: Array) -> Array:
    """``sum t (t - 1) / 2`` over the runs of equal values of each row of ``sorted_keys``
    ``(k, m)`` (sorted along rows): ``(k,)`` int64."""
    k, m = sorted_keys.shape
    if m < 2:
        return np.zeros(k, dtype=np.int64)
    starts = np.ones((k, m), dtype=bool)
    starts[:, 1:] = sorted_keys[:, 1:] != sorted_keys[:, :-1]
    run = np.cumsum(starts, axis=1) - 1 + (np.arange(k) * m)[:, None]
    lengths = np.bincount(run.ravel(), minlength=k * m).reshape(k, m).astype(np.int64)
    return (lengths * (lengths - 1) // 2).sum(axis=1)


def _inversions(sequences: Array) -> Array:
    """Pairs ``i < j`` with ``s_i > s_j`` in each row of ``sequences`` ``(k, m)`` (integers in
    ``[0, m)``): ``(k,)`` int64, by a bottom-up merge sort vectorised over rows and runs.

    At each level, every element of a right run counts the elements of its left run that are
    larger (one ``searchsorted`` over all runs, kept apart by offsets), then each pair of runs
    is merged. Rows are padded with ``m`` (larger than every value, at the end: no inversion).
    """
    k, m = sequences.shape
    size = 1 << max(0, (m - 1).bit_length())
    merged = np.full((k, size), m, dtype=np.int64)
    merged[:, :m] = sequences
    total = np.zeros(k, dtype=np.int64)
    width = 1
    while width < size:
        runs = size // (2 * width)
        blocks = merged.reshape(k * runs, 2, width)
        offset = (np.arange(k * runs, dtype=np.int64) * (m + 1))[:, None]
        left = (blocks[:, 0] + offset).ravel()
        right = (blocks[:, 1] + offset).ravel()
        not_greater = np.searchsorted(left, right, side="right").reshape(k * runs, width)
        not_greater -= (np.arange(k * runs, dtype=np.int64) * width)[:, None]
        total += (width - not_greater).reshape(k, -1).sum(axis=1)
        merged = np.sort(merged.reshape(k * runs, 2 * width), axis=1).reshape(k, size)
        width *= 2
    return total


# rsa-kendall is an inner product of pair-sign embeddings (m(m-1)/2 signs per side, m = RDM
# entries) while m is small, and computed by sorting (kendall_tau_b) above this many entries:
# on 13 layers x 33 subjects the sorting is faster from about 500 entries (32 frames) on, and
# the sign embeddings of a 150-frame sentence would take 250 MB per side.
KENDALL_SIGNS_MAX_ENTRIES = 496


def kendall_by_signs(n_rows: int) -> bool:
    """True when rsa-kendall on ``n_rows`` frames uses the pair-sign embeddings."""
    return n_rows * (n_rows - 1) // 2 <= KENDALL_SIGNS_MAX_ENTRIES


def cross_kendall(x: Array, y: Array) -> Array:
    """rsa-kendall between every X and every Y of each item by sorting: ``x (items, a, n, p)``,
    ``y (items, b, n, q)`` -> ``(items, a, b)``."""
    items, a, n = x.shape[:3]
    b = y.shape[1]
    upper_x = _upper(rdm_batch(x.reshape(-1, n, x.shape[3]))).reshape(items, a, 1, -1)
    upper_y = _upper(rdm_batch(y.reshape(-1, n, y.shape[3]))).reshape(items, 1, b, -1)
    entries = upper_x.shape[-1]
    pairs_x = np.broadcast_to(upper_x, (items, a, b, entries)).reshape(-1, entries)
    pairs_y = np.broadcast_to(upper_y, (items, a, b, entries)).reshape(-1, entries)
    return kendall_tau_b(pairs_x, pairs_y).reshape(items, a, b)


def kendall_tau_b(a: Array, b: Array) -> Array:
    """Kendall's tau-b between matching rows of ``a`` and ``b`` ``(k, m)`` in O(m log^2 m) per
    row (Knight's method: sort by ``a`` then ``b``; the discordant pairs are the inversions of
    ``b`` in that order), vectorised over rows. Equal to ``scipy.stats.kendalltau`` (variant
    "b", ties included).

    Returns:
        ``(k,)``; NaN where a side is constant (all pairs tied).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim == 1:
        a, b = a[None], b[None]
    k, m = a.shape
    rank_a, sorted_a = _dense_ranks(a)
    rank_b, sorted_b = _dense_ranks(b)
    joint = np.sort(rank_a * m + rank_b, axis=1)  # lexicographic (a, b) order as one key
    total = m * (m - 1) // 2
    tied_a, tied_b, tied_both = _tied_pairs(sorted_a), _tied_pairs(sorted_b), _tied_pairs(joint)
    discordant = _inversions(joint % m)
    numerator = total - tied_a - tied_b + tied_both - 2 * discordant
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = np.sqrt((total - tied_a).astype(np.float64) * (total - tied_b))
        tau = np.where(denominator > 0, numerator / denominator, np.nan)
    return np.clip(tau, -1.0, 1.0)


# ----------------------------------------------------------------------------- side embeddings

def _unit(vectors: Array) -> Array:
    """Rows scaled to unit norm; rows of (numerically) zero norm become NaN (undefined)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    scale = np.max(np.abs(vectors), axis=1, keepdims=True, initial=0.0) * np.sqrt(vectors.shape[1])
    ok = norms > 1e-12 * np.maximum(scale, 1e-300)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, vectors / np.where(ok, norms, 1.0), np.nan)


def _centred_unit(vectors: Array) -> Array:
    return _unit(vectors - vectors.mean(axis=1, keepdims=True))


def _embed_rsa_pearson(x: Array) -> Array:
    return _centred_unit(_upper(rdm_batch(x)))


def _embed_rsa_spearman(x: Array) -> Array:
    return _centred_unit(_rankdata(_upper(rdm_batch(x))))


def _kendall_signs(values: Array) -> Array:
    """``sign(v_a - v_b)`` for all pairs a < b of each row: ``(b, m(m-1)/2)`` float32.

    Taken from the dense ranks of each row (equal values share a rank, so ties give 0) in
    16-bit integers: the same signs as from the values, with a quarter of the memory traffic.
    """
    m = values.shape[1]
    rows, cols = np.triu_indices(m, k=1)
    ranks = _dense_ranks(values)[0].astype(np.int16 if m < 2**15 else np.int64)
    return np.sign(ranks[:, rows] - ranks[:, cols]).astype(np.float32)


def _kendall_scales(signs: Array) -> Array:
    """``1 / sqrt(#untied pairs)`` per row (NaN where every pair is tied)."""
    norms = np.sqrt(np.einsum("ij,ij->i", signs, signs, dtype=np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 / np.where(norms > 0, norms, np.nan)


def _embed_rsa_kendall(x: Array) -> Array:
    signs = _kendall_signs(_upper(rdm_batch(x)))
    return signs * _kendall_scales(signs)[:, None]


def _flat(matrices: Array) -> Array:
    return matrices.reshape(matrices.shape[0], -1)


def _embed_cka_linear(x: Array) -> Array:
    x, _ = _valid_columns(x)
    return _unit(_flat(_double_centre(x @ x.transpose(0, 2, 1))))


def _embed_rv(x: Array) -> Array:
    x, _ = _valid_columns(x)
    centred = x - x.mean(axis=1, keepdims=True)
    return _unit(_flat(centred @ centred.transpose(0, 2, 1)))


def _embed_cka_rbf(x: Array) -> Array:
    return _unit(_flat(_double_centre(rbf_kernel_batch(x))))


def _embed_hsic_rbf(x: Array) -> Array:
    n = x.shape[1]
    return _flat(_double_centre(rbf_kernel_batch(x))) / (n - 1)


def _embed_dcor(x: Array) -> Array:
    distances = np.sqrt(_squared_distances(x))
    return _unit(_flat(_double_centre(distances)))


EMBEDDINGS: dict[str, Callable[[Array], Array]] = {
    "rsa-spearman": _embed_rsa_spearman,
    "rsa-pearson": _embed_rsa_pearson,
    "rsa-kendall": _embed_rsa_kendall,
    "cka-linear": _embed_cka_linear,
    "cka-rbf": _embed_cka_rbf,
    "dcor": _embed_dcor,
    "hsic-rbf": _embed_hsic_rbf,
    "rv": _embed_rv,
}
MIN_ROWS = {"rsa-spearman": 3, "rsa-pearson": 3, "rsa-kendall": 3, "cka-linear": 2,
            "cka-rbf": 2, "dcor": 2, "hsic-rbf": 2, "rv": 2}


def embed(metric: str, x: Array) -> Array:
    """Side embedding of each batch item for one of the eight metrics.

    Args:
        metric: a name in :data:`EIGHT`.
        x: ``(b, n, p)`` (or ``(n, p)``).
    Returns:
        ``(b, E)`` such that the metric between items ``X_i`` and ``Y_j`` is the inner product of
        their embeddings (NaN rows where the metric is undefined for the item). ``E`` is ``n^2``
        for kernel metrics, ``n(n-1)/2`` for RSA and ``m(m-1)/2`` with ``m = n(n-1)/2`` for
        ``rsa-kendall`` (float32, exact for the +-1 signs).
    """
    if metric not in EMBEDDINGS:
        raise KeyError(f"no batched embedding for metric {metric!r}; expected one of {EIGHT}")
    x = _as_batch(x)
    if x.shape[1] < MIN_ROWS[metric]:
        return np.full((x.shape[0], 1), np.nan)
    return EMBEDDINGS[metric](x)


def embed_scaled(metric: str, x: Array) -> tuple[Array, Array]:
    """``(E, scale)`` with ``embed(metric, x) == E * scale[:, None]``.

    For ``rsa-kendall``, E holds the raw pair signs (float32, exact) so products of embeddings
    are exact integer counts and the normalisation is applied afterwards in float64; for the
    other metrics ``scale`` is 1.
    """
    x = _as_batch(x)
    if metric == "rsa-kendall" and x.shape[1] >= MIN_ROWS[metric]:
        signs = _kendall_signs(_upper(rdm_batch(x)))
        return signs, _kendall_scales(signs)
    embedded = embed(metric, x)
    return embedded, np.ones(embedded.shape[0])


def cross_similarity(metric: str, ex: Array, ey: Array) -> Array:
    """Every pair of precomputed embeddings: ``(a, E) x (b, E) -> (a, b)``."""
    dtype = np.float32 if metric == "rsa-kendall" else np.float64
    out = np.asarray(ex, dtype=dtype) @ np.asarray(ey, dtype=dtype).T
    return np.clip(out, -1.0, 1.0) if metric != "hsic-rbf" else out


def paired_similarity(metric: str, x: Array, y: Array) -> Array:
    """The metric for matching batch items: ``X (b, n, p)``, ``Y (b, n, q)`` -> ``(b,)``.

    Works for the eight (batched) and for the extra metrics (a loop over items).
    """
    x, y = _as_batch(x), _as_batch(y)
    if x.shape[:2] != y.shape[:2]:
        raise ValueError(f"X {x.shape} and Y {y.shape} must have the same batch size and rows")
    if metric == "rsa-kendall" and not kendall_by_signs(x.shape[1]):
        return kendall_tau_b(_upper(rdm_batch(x)), _upper(rdm_batch(y)))
    if metric in EMBEDDINGS:
        (ex, sx), (ey, sy) = embed_scaled(metric, x), embed_scaled(metric, y)
        if ex.shape[1] != ey.shape[1]:  # undefined (too few rows) on both sides
            return np.full(x.shape[0], np.nan)
        dtype = np.float32 if metric == "rsa-kendall" else np.float64  # +-1 sums: exact
        out = np.einsum("ij,ij->i", ex.astype(dtype), ey.astype(dtype)).astype(np.float64)
        out = out * sx * sy
        return out if metric == "hsic-rbf" else np.clip(out, -1.0, 1.0)
    if metric in EXTRA_FUNCTIONS:
        return np.array([EXTRA_FUNCTIONS[metric](a, b) for a, b in zip(x, y, strict=True)])
    raise KeyError(f"unknown similarity metric {metric!r}; expected one of "
                   f"{', '.join(EIGHT + EXTRA)}")


# ----------------------------------------------------------------------------- beyond the eight

def _clean_pair(x: Array, y: Array) -> tuple[Array, Array]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    y = y[:, None] if y.ndim == 1 else y
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
        raise ValueError(f"expected X (n, p) and Y (n, q) with the same n, got {x.shape}, {y.shape}")
    x = x[:, np.all(np.isfinite(x), axis=0)]
    y = y[:, np.all(np.isfinite(y), axis=0)]
    return x, y


def _unbiased_hsic(k: Array, l: Array) -> float:
    """Unbiased HSIC estimator of Song et al. (2012), diagonals zeroed; needs n >= 4."""
    n = k.shape[0]
    k = k.copy()
    l = l.copy()
    np.fill_diagonal(k, 0.0)
    np.fill_diagonal(l, 0.0)
    ones = np.ones(n)
    term = np.sum(k * l) + (ones @ k @ ones) * (ones @ l @ ones) / ((n - 1) * (n - 2)) \
        - 2.0 / (n - 2) * (ones @ k @ l @ ones)
    return float(term / (n * (n - 3)))


def cka_unbiased(x: Array, y: Array) -> float:
    """Linear CKA from the unbiased HSIC estimator (Song et al. 2012; Nguyen et al. 2021).

    NaN for fewer than 4 rows or a side with zero unbiased self-similarity.
    """
    x, y = _clean_pair(x, y)
    if x.shape[0] < 4:
        return float("nan")
    k, l = x @ x.T, y @ y.T
    kl, kk, ll = _unbiased_hsic(k, l), _unbiased_hsic(k, k), _unbiased_hsic(l, l)
    if kk <= 0 or ll <= 0:
        return float("nan")
    return float(kl / np.sqrt(kk * ll))


def _knn_mask(similarity: Array, k: int) -> Array:
    """Boolean ``(n, n)``: True at the k most similar other rows of each row (ties: lower index)."""
    n = similarity.shape[0]
    s = similarity.astype(np.float64).copy()
    np.fill_diagonal(s, -np.inf)
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    mask = np.zeros((n, n), dtype=bool)
    mask[np.arange(n)[:, None], order] = True
    return mask


def _neighbour_k(n: int, k: int | None) -> int:
    return min(10 if k is None else k, n - 1)


def mutual_knn(x: Array, y: Array, k: int | None = None) -> float:
    """Mutual k-nearest-neighbour alignment (Huh et al. 2024): the mean over rows of the fraction
    of a row's k nearest neighbours (Euclidean, ties to the lower index) shared by both sides.

    ``k`` defaults to ``min(10, n - 1)``.
    """
    x, y = _clean_pair(x, y)
    n = x.shape[0]
    if n < 2:
        return float("nan")
    k = _neighbour_k(n, k)
    neighbours_x = _knn_mask(-_squared_distances(x[None])[0], k)
    neighbours_y = _knn_mask(-_squared_distances(y[None])[0], k)
    return float(np.mean((neighbours_x & neighbours_y).sum(axis=1) / k))


def cknna(x: Array, y: Array, k: int | None = None) -> float:
    """Centred kernel nearest-neighbour alignment (Huh et al. 2024), biased HSIC version.

    Linear kernels of the column-centred data; only pairs (i, j) where j is among the k most
    similar rows of i (largest kernel value) on *both* sides count. The score is
    ``HSIC(M.K, M.L) / sqrt(HSIC(M_KK.K, M_KK.K) HSIC(M_LL.L, M_LL.L))`` with M the mutual mask of
    the two kernels compared (for K with itself it is K's own kNN mask).
    """
    x, y = _clean_pair(x, y)
    n = x.shape[0]
    if n < 3:
        return float("nan")
    k = _neighbour_k(n, k)
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    kx, ky = x @ x.T, y @ y.T
    mask_x, mask_y = _knn_mask(kx, k), _knn_mask(ky, k)

    def aligned(a: Array, b: Array, mask: Array) -> float:
        ca = _double_centre((a * mask)[None])[0]
        cb = _double_centre((b * mask)[None])[0]
        return float(np.sum(ca * cb))

    kl = aligned(kx, ky, mask_x & mask_y)
    kk = aligned(kx, kx, mask_x)
    ll = aligned(ky, ky, mask_y)
    if kk <= 0 or ll <= 0:
        return float("nan")
    return float(kl / np.sqrt(kk * ll))


def _orthonormal_basis(x: Array, tolerance: float = 1e-10) -> Array:
    """Orthonormal basis of the column space of centred ``x`` (rank-revealing SVD)."""
    x = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return u[:, :0]
    return u[:, s > tolerance * s[0]]


def canonical_correlations(x: Array, y: Array) -> Array:
    """Canonical correlations of the centred column spaces of X and Y (descending)."""
    qx, qy = _orthonormal_basis(x), _orthonormal_basis(y)
    if qx.shape[1] == 0 or qy.shape[1] == 0:
        return np.zeros(0)
    return np.clip(np.linalg.svd(qx.T @ qy, compute_uv=False), 0.0, 1.0)


def _svd_reduce(x: Array, keep_variance: float) -> Array:
    x = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return x[:, :0]
    explained = np.cumsum(s**2) / np.sum(s**2)
    count = int(np.searchsorted(explained, keep_variance - 1e-12) + 1)
    return u[:, :count] * s[:count]


def svcca(x: Array, y: Array, keep_variance: float = 0.99) -> float:
    """SVCCA (Raghu et al. 2017): keep the top singular directions of each centred side that
    explain ``keep_variance`` of its variance, then the mean canonical correlation."""
    x, y = _clean_pair(x, y)
    rho = canonical_correlations(_svd_reduce(x, keep_variance), _svd_reduce(y, keep_variance))
    return float(rho.mean()) if rho.size else float("nan")


def pwcca(x: Array, y: Array) -> float:
    """Projection-weighted CCA (Morcos et al. 2018), weights from the X side.

    Canonical correlations rho_i weighted by alpha_i = sum_j |<h_i, x_j>| (h_i the i-th unit
    canonical variate of X, x_j the centred columns of X), normalised to sum to 1.
    """
    x, y = _clean_pair(x, y)
    x = x - x.mean(axis=0)
    qx, qy = _orthonormal_basis(x), _orthonormal_basis(y)
    if qx.shape[1] == 0 or qy.shape[1] == 0:
        return float("nan")
    u, rho, _ = np.linalg.svd(qx.T @ qy, full_matrices=False)
    variates = qx @ u[:, :rho.size]  # (n, k) unit-norm canonical variates of X
    weights = np.abs(variates.T @ x).sum(axis=1)
    if weights.sum() == 0:
        return float("nan")
    return float(np.sum(weights / weights.sum() * np.clip(rho, 0.0, 1.0)))


def procrustes(x: Array, y: Array) -> float:
    """Orthogonal Procrustes similarity: with both sides column-centred and scaled to unit
    Frobenius norm (the narrower one zero-padded), the nuclear norm of X'Y, in [0, 1]. It equals
    ``1 - d^2 / 2`` where ``d^2 = min_R ||X - Y R||_F^2`` over orthogonal R."""
    x, y = _clean_pair(x, y)
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    nx, ny = np.linalg.norm(x), np.linalg.norm(y)
    if nx == 0 or ny == 0:
        return float("nan")
    return float(np.linalg.svd((x / nx).T @ (y / ny), compute_uv=False).sum())


EXTRA_FUNCTIONS: dict[str, Callable[[Array, Array], float]] = {
    "cka-unbiased": cka_unbiased,
    "mutual-knn": mutual_knn,
    "cknna": cknna,
    "svcca": svcca,
    "pwcca": pwcca,
    "procrustes": procrustes,
}


# ----------------------------------------------------------------------------- the public mapping

@dataclass(frozen=True)
class _PairMetric:
    """A metric of two matrices ``X (n, p)``, ``Y (n, q)`` -> float (the batched code path)."""

    name: str

    def __call__(self, x: Array, y: Array) -> float:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        x = x[:, None] if x.ndim == 1 else x
        y = y[:, None] if y.ndim == 1 else y
        if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0]:
            raise ValueError(f"{self.name}: expected X (n, p) and Y (n, q) with the same n, got "
                             f"{x.shape} and {y.shape}")
        return float(paired_similarity(self.name, x[None], y[None])[0])


SIMILARITY_METRICS: dict[str, Callable[[Array, Array], float]] = {
    **{name: _PairMetric(name) for name in EIGHT},
    **EXTRA_FUNCTIONS,
}

DESCRIPTIONS: dict[str, str] = {
    "rsa-spearman": "Spearman rho between the two RDMs' strict upper triangles",
    "rsa-pearson": "Pearson r between the two RDMs' strict upper triangles",
    "rsa-kendall": "Kendall tau-b between the two RDMs' strict upper triangles",
    "cka-linear": "linear CKA (Kornblith et al. 2019): HSIC of linear kernels, normalised",
    "cka-rbf": "CKA with Gaussian kernels, bandwidth s^2 = median non-zero squared distance per side",
    "dcor": "squared distance correlation, V-statistic (Szekely et al. 2007)",
    "hsic-rbf": "biased HSIC trace(KHLH)/(n-1)^2 with Gaussian kernels, median-heuristic bandwidth",
    "rv": "RV coefficient of column-centred data (equals cka-linear)",
    "cka-unbiased": "linear CKA from the unbiased HSIC estimator",
    "mutual-knn": "fraction of shared k nearest neighbours (k = min(10, n-1))",
    "cknna": "CKA restricted to mutual k-nearest-neighbour pairs",
    "svcca": "mean canonical correlation after 99%-variance SVD reduction",
    "pwcca": "projection-weighted canonical correlation",
    "procrustes": "orthogonal Procrustes similarity 1 - d^2/2 of centred, unit-norm data",
}


def compare_rdms(metric: str, a: Array, b: Array) -> float:
    """Compare two precomputed ``(n, n)`` RDMs with ``rsa-spearman``, ``rsa-pearson`` or
    ``rsa-kendall`` (their strict upper triangles)."""
    embedders = {"rsa-spearman": lambda v: _centred_unit(_rankdata(v)),
                 "rsa-pearson": _centred_unit}
    if metric not in (*embedders, "rsa-kendall"):
        raise KeyError(f"compare_rdms: expected one of {', '.join(embedders)}, rsa-kendall; got "
                       f"{metric!r}")
    if metric == "rsa-kendall":
        upper_a = _upper(np.asarray(a, dtype=np.float64)[None])
        return float(kendall_tau_b(upper_a, _upper(np.asarray(b, dtype=np.float64)[None]))[0])
    ea = embedders[metric](_upper(np.asarray(a, dtype=np.float64)[None]))
    eb = embedders[metric](_upper(np.asarray(b, dtype=np.float64)[None]))
    return float(np.clip(np.sum(ea * eb), -1.0, 1.0))
