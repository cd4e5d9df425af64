"""Choosing the best layer when some layers have no defined score."""

from __future__ import annotations

import numpy as np


def first_best(values: np.ndarray) -> int | None:
    """Index of the first maximum of ``values`` ignoring NaN (``numpy.argmax`` order for ties),
    or None when every value is NaN.

    A layer whose score is undefined (NaN: a constant RDM, a constant layer) is never the best
    one; ``numpy.argmax`` would return the first NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    if not np.any(~np.isnan(values)):
        return None
    return int(np.nanargmax(values))
