"""Column-wise correlations, the constancy rule and the clipped R^2 of the fMRI benchmarks.

One definition of "constant" serves every metric (ridge, component ridge, RSA, reliability and
the reference implementations in the tests). A column ``x`` of ``n`` values is **constant** when
its spread is at rounding level of its magnitude::

    sum((x - mean(x))^2) <= CONSTANT_RTOL * sum(x^2)

i.e. its standard deviation is at most ``sqrt(CONSTANT_RTOL) = 1e-6`` of its root mean square.
The test is scale-aware: a voxel constant at 0.1, 1/3 or 0.7 is constant although its centred
values are not exactly 0 (the mean of n copies of 0.1 is not exactly 0.1 in floating point), and
a column of tiny but genuinely varying values is not. It can be evaluated from running sums
(``sum x``, ``sum x^2``) as well as from the values, with the same outcome: the variance from sums
is exact to about 1e-16 of ``sum x^2``, far below the threshold. A standard deviation of 1e-6 of
the magnitude is also about the resolution of float32 activations (16 units in the last place),
so features varying less than that are rounding noise.

The clipped R^2 (docs/methods.md#degenerate-data) is the squared Pearson r, with r < 0 counted
as 0 and a constant prediction or constant target counted as 0.
"""

from __future__ import annotations

import numpy as np

CONSTANT_RTOL = 1e-12


def constant_from_sums(centred_ss: np.ndarray, raw_sq: np.ndarray) -> np.ndarray:
    """The constancy rule from sums: ``centred_ss <= CONSTANT_RTOL * raw_sq``.

    Args:
        centred_ss: ``sum((x - mean(x))^2)`` per column (any shape).
        raw_sq: ``sum(x^2)`` of the same columns (uncentred).
    Returns:
        bool array, True for constant columns (an all-zero column is constant).
    """
    return np.asarray(centred_ss) <= CONSTANT_RTOL * np.asarray(raw_sq)


def column_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean, centred sum of squares, raw sum of squares)`` per column of ``x`` ``(n, k)``."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)
    centred = x - mean
    return mean, np.einsum("ij,ij->j", centred, centred), np.einsum("ij,ij->j", x, x)


def constant_columns(x: np.ndarray) -> np.ndarray:
    """True for each column of ``x`` ``(n, k)`` (or ``(n,)``) that is constant (see module
    docstring); ``(k,)`` bool."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    _, centred_ss, raw_sq = column_moments(x)
    return constant_from_sums(centred_ss, raw_sq)


def columnwise_pearson(a: np.ndarray, b: np.ndarray, constant: float = 0.0) -> np.ndarray:
    """Pearson r between matching columns of ``a`` and ``b``.

    Args:
        a, b: ``(n, k)`` arrays (or ``(n,)``, treated as one column).
        constant: the value returned where either column is constant (no defined correlation):
            0 for scores that count it as no prediction (R^2, reliability), NaN where an
            undefined comparison must stay visible (RSA).
    Returns:
        ``(k,)`` float64 in [-1, 1].
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    mean_a, ss_a, sq_a = column_moments(a)
    mean_b, ss_b, sq_b = column_moments(b)
    numerator = np.einsum("ij,ij->j", a - mean_a, b - mean_b)
    undefined = constant_from_sums(ss_a, sq_a) | constant_from_sums(ss_b, sq_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = numerator / np.sqrt(ss_a * ss_b)
    return np.where(undefined, constant, np.clip(r, -1.0, 1.0))


def clipped_r2_from_sums(cross: np.ndarray, prediction_ss: np.ndarray, target_ss: np.ndarray,
                         constant: np.ndarray) -> np.ndarray:
    """The clipped R^2 from sums over the same rows.

    Args:
        cross: ``sum((p - mean p) (y - mean y))``; prediction_ss: ``sum((p - mean p)^2)``;
            target_ss: ``sum((y - mean y)^2)``; constant: True where the prediction or the
            target is constant (:func:`constant_from_sums`). All broadcastable.
    Returns:
        r^2 where r > 0, else 0; 0 where ``constant``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cross / np.sqrt(prediction_ss * target_ss)
    r = np.where(constant | ~np.isfinite(r), 0.0, r)
    return np.where(r > 0, r * r, 0.0)


def clipped_r2(prediction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Squared Pearson r per column, with r < 0 counted as 0 (docs/methods.md#degenerate-data).

    Args:
        prediction, target: ``(n, k)`` arrays (or ``(n,)``).
    Returns:
        ``(k,)`` values in [0, 1]; a constant prediction or target gives 0.
    """
    r = columnwise_pearson(prediction, target, constant=0.0)
    return np.where(r > 0, r * r, 0.0)


def standard_error(values: np.ndarray) -> float:
    """Standard error of the mean, ``std(ddof=1) / sqrt(n)``; NaN for fewer than 2 values."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < 2:
        return float("nan")
    return float(values.std(ddof=1) / np.sqrt(values.size))
