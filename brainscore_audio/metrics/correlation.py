"""Column-wise correlations and the clipped R^2 used by the fMRI benchmarks."""

from __future__ import annotations

import numpy as np


def columnwise_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r between matching columns of ``a`` and ``b``.

    Args:
        a, b: ``(n, k)`` arrays (or ``(n,)``, treated as one column).
    Returns:
        ``(k,)`` float64; 0 where either column is constant (no defined correlation).
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    norm_a = np.sqrt(np.einsum("ij,ij->j", a, a))
    norm_b = np.sqrt(np.einsum("ij,ij->j", b, b))
    numerator = np.einsum("ij,ij->j", a, b)
    denominator = norm_a * norm_b
    # A column counts as constant when its spread is at rounding level of its magnitude.
    scale_a = np.sqrt(a.shape[0]) * np.maximum(np.abs(a).max(axis=0, initial=0.0), 1e-300)
    scale_b = np.sqrt(b.shape[0]) * np.maximum(np.abs(b).max(axis=0, initial=0.0), 1e-300)
    constant = (norm_a <= 1e-12 * scale_a) | (norm_b <= 1e-12 * scale_b) | (denominator == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(constant, 0.0, numerator / np.where(denominator == 0, 1.0, denominator))
    return np.clip(r, -1.0, 1.0)


def clipped_r2(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Squared Pearson r per column, with r < 0 counted as 0 (METHODS.md section 2).

    Args:
        prediction, target: ``(n, k)`` arrays.
    Returns:
        ``(k,)`` values in [0, 1]; a constant prediction or target gives 0.
    """
    r = columnwise_pearson(prediction, target)
    return np.where(r > 0, r * r, 0.0)


def standard_error(values: np.ndarray) -> float:
    """Standard error of the mean, ``std(ddof=1) / sqrt(n)``; NaN for fewer than 2 values."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return float("nan")
    return float(values.std(ddof=1) / np.sqrt(values.size))
