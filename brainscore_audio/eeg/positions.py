"""Electrode positions: 3-D positions from mne montages, and 2-D scalp coordinates for maps."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import _optional


def montage_positions(channel_names: Sequence[str], montage: str | Path) -> np.ndarray | None:
    """``(channels, 3)`` positions (m) from an mne standard montage name (e.g. ``"biosemi128"``,
    ``"easycap-M10"``) or a montage file mne reads (``.sfp``, ``.elc``, ...).

    Returns None when mne is not installed or a channel is not in the montage.
    """
    if not _optional.available("mne"):
        return None
    import mne

    if isinstance(montage, Path) or str(montage).endswith((".sfp", ".elc", ".txt", ".loc")):
        layout = mne.channels.read_custom_montage(str(montage))
    else:
        layout = mne.channels.make_standard_montage(str(montage))
    positions = layout.get_positions()["ch_pos"]
    if not all(name in positions for name in channel_names):
        return None
    return np.array([positions[name] for name in channel_names], dtype=np.float64)


def scalp_coordinates(positions: np.ndarray) -> np.ndarray:
    """2-D azimuthal equidistant projection of electrode positions, for topographic maps.

    The head centre is the least-squares sphere through the electrodes; the vertex maps to
    (0, 0), x points right and y to the nose, and the radius is the angle from the vertex
    (radians, so the ear line lies near pi/2).

    Args:
        positions: ``(channels, 3)`` (x right, y anterior, z up).
    Returns:
        ``(channels, 2)``.
    """
    p = np.asarray(positions, dtype=np.float64)
    # |p - c|^2 = r^2  <=>  2 p.c + (r^2 - |c|^2) = |p|^2 : linear in (c, k)
    design = np.column_stack([2 * p, np.ones(len(p))])
    solution, *_ = np.linalg.lstsq(design, (p**2).sum(axis=1), rcond=None)
    centred = p - solution[:3]
    radius = np.linalg.norm(centred, axis=1)
    polar = np.arccos(np.clip(centred[:, 2] / np.where(radius > 0, radius, 1.0), -1.0, 1.0))
    azimuth = np.arctan2(centred[:, 1], centred[:, 0])
    return np.column_stack([polar * np.cos(azimuth), polar * np.sin(azimuth)])
