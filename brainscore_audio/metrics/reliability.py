"""Split-half reliability of repeated measurements and the noise ceiling it implies."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from .correlation import columnwise_pearson


def spearman_brown(r: np.ndarray, factor: float) -> np.ndarray:
    """Spearman-Brown prophecy: reliability of an average of ``factor`` times as many
    measurements, ``factor * r / (1 + (factor - 1) * r)``. Element-wise on ``r``."""
    r = np.asarray(r, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return factor * r / (1.0 + (factor - 1.0) * r)


def session_reliability(responses: np.ndarray) -> np.ndarray:
    """Reliability of the session-averaged response of each voxel.

    The mean Pearson r over all pairs of single sessions (the split-half reliability of one
    session) is Spearman-Brown corrected to the number of sessions averaged: with 3 sessions,
    ``3 r / (1 + 2 r)``. This is the expected squared correlation between the session average
    and the noise-free response, hence the ceiling of the clipped R^2 of a perfect model.

    Args:
        responses: ``(n_stimuli, n_voxels, n_sessions)``, ``n_sessions >= 2``.
    Returns:
        ``(n_voxels,)``; negative reliabilities are returned as they are (callers clip).
    """
    responses = np.asarray(responses, dtype=np.float64)
    n_sessions = responses.shape[2]
    if n_sessions < 2:
        raise ValueError("reliability needs at least 2 sessions")
    pairs = list(combinations(range(n_sessions), 2))
    r = np.mean([columnwise_pearson(responses[:, :, a], responses[:, :, b]) for a, b in pairs],
                axis=0)
    return spearman_brown(r, n_sessions)
