"""Matplotlib figures of score records and leaderboards (``benchmark plot``).

Each ``*_figure`` function takes plain data (a record, arrays, a details dict) and returns a
:class:`matplotlib.figure.Figure` built without pyplot (no global state, Agg rendering), so the
plotted data can be read back before saving; :func:`save` writes PNG and/or SVG atomically.
Needs the ``publish`` extra (``pip install "brainscore-audio[publish]"``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import atomic
from ..errors import UserError
from ..optional import require
from ..records import ScoreRecord
from .views import finite, layer_order

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

FORMATS = ("png", "svg")
DPI = 150


def _figure(width: float, height: float) -> Figure:
    Figure = require("matplotlib.figure", "benchmark plot").Figure
    return Figure(figsize=(width, height), layout="constrained")


def save(fig: Figure, stem: str | Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``<stem>.<format>`` for each format (png, svg, pdf); returns the paths."""
    paths = []
    for fmt in formats:
        if fmt not in ("png", "svg", "pdf"):
            raise UserError(f"--format {fmt!r}: expected png, svg or pdf")
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=DPI)
        path = Path(f"{stem}.{fmt}")
        atomic.write_bytes(path, buffer.getvalue())
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------ layer profile

def layer_profile_figure(record: ScoreRecord) -> Figure:
    """Per-layer score of one record (line labelled ``"per layer"``, x = layers in depth order),
    the chosen layer(s) marked (``"chosen"``) and ROI profiles from ``details["roi"]`` as thin
    lines (labelled ``"ROI <name>"``); the ceiling, where there is one, is in the title."""
    labels = layer_order(record)
    if not labels:
        raise UserError(f"{record.model.id} on {record.benchmark.id}: the record has no per-layer "
                        "values to plot")
    fig = _figure(max(4.5, 0.45 * len(labels) + 2.5), 3.4)
    ax = fig.add_subplot()
    x = np.arange(len(labels))
    y = np.array([np.nan if finite(record.per_layer[n]) is None else record.per_layer[n]
                  for n in labels], dtype=float)
    ax.plot(x, y, "-o", color="C0", lw=2, ms=4, label="per layer", zorder=3)
    roi = record.details.get("roi")
    if isinstance(roi, Mapping):
        for k, (name, profile) in enumerate(roi.items()):
            per_layer = profile.get("per_layer") if isinstance(profile, Mapping) else None
            if isinstance(per_layer, Mapping):
                values = [finite(per_layer.get(n)) for n in labels]
                ax.plot(x, [np.nan if v is None else v for v in values], "-", lw=1, alpha=0.8,
                        color=f"C{(k + 1) % 10}", label=f"ROI {name}")
    chosen = [i for i, n in enumerate(labels) if n in record.chosen_layers]
    if chosen:
        ax.plot(x[chosen], y[chosen], linestyle="none", marker="*", ms=14, color="gold",
                markeredgecolor="k", label="chosen", zorder=4)
    ax.set_xticks(x, labels, rotation=45 if len(labels) > 6 else 0,
                  ha="right" if len(labels) > 6 else "center")
    ax.set_xlabel("layer")
    ax.set_ylabel("score (raw)")
    ceiling = finite(record.ceiling)
    ax.set_title(f"{record.model.id} on {record.benchmark.id} v{record.benchmark.version}"
                 + ("" if ceiling is None else f" (ceiling {ceiling:.3f})"), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


# -------------------------------------------------------------------------------------- RDMs

def category_order(categories: Sequence[Any]) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
    """Stimulus order grouping equal categories (categories in order of first appearance,
    stimuli in canonical order within each), and ``(category, start, stop)`` blocks of it."""
    labels = [str(c) for c in categories]
    first: dict[str, int] = {}
    for i, label in enumerate(labels):
        first.setdefault(label, i)
    order = np.array(sorted(range(len(labels)), key=lambda i: (first[labels[i]], i)), dtype=int)
    blocks, start = [], 0
    for i in range(1, len(order) + 1):
        if i == len(order) or labels[order[i]] != labels[order[start]]:
            blocks.append((labels[order[start]], start, i))
            start = i
    return order, blocks


def rdm_figure(panels: Sequence[tuple[str, np.ndarray]], categories: Sequence[Any] | None = None,
               title: str = "") -> Figure:
    """RDM heatmaps side by side, rows and columns ordered by stimulus category.

    Args:
        panels: ``(title, rdm)`` with ``rdm`` (n, n) in the stimulus set's canonical order.
        categories: one category per stimulus (canonical order), or None to keep that order.
    The image array of panel ``k`` is ``rdm[order][:, order]`` (see :func:`category_order`).
    """
    n = panels[0][1].shape[0]
    for name, matrix in panels:
        if matrix.shape != (n, n):
            raise UserError(f"RDM {name!r} has shape {matrix.shape}, expected ({n}, {n})")
    if categories is not None and len(categories) != n:
        raise UserError(f"{len(categories)} stimulus categories for RDMs of {n} stimuli")
    order, blocks = category_order(categories) if categories is not None else (np.arange(n), [])
    fig = _figure(4.2 * len(panels) + 0.6, 4.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, matrix) in zip(axes, panels, strict=True):
        image = ax.imshow(np.asarray(matrix, dtype=float)[np.ix_(order, order)],
                          cmap="viridis", interpolation="nearest")
        fig.colorbar(image, ax=ax, shrink=0.75, label="dissimilarity (1 - Pearson r)")
        ax.set_title(name, fontsize=10)
        for _, start, _ in blocks[1:]:
            ax.axhline(start - 0.5, color="w", lw=0.6)
            ax.axvline(start - 0.5, color="w", lw=0.6)
        if blocks:
            centres = [(start + stop - 1) / 2 for _, start, stop in blocks]
            names = [c for c, _, _ in blocks]
            ax.set_xticks(centres, names, rotation=90, fontsize=7)
            ax.set_yticks(centres, names, fontsize=7)
        else:
            ax.set_xlabel("stimulus")
            ax.set_ylabel("stimulus")
    if title:
        fig.suptitle(title)
    return fig


# ---------------------------------------------------------------- brain vs downstream scatter

@dataclass
class Correlation:
    """Pearson correlation across models: ``r``, two-sided ``p`` and the number of models."""

    r: float
    p: float
    n: int


def scatter_figure(x: Mapping[str, float | None], y: Mapping[str, float | None], xlabel: str,
                   ylabel: str) -> tuple[Figure, Correlation]:
    """Scatter of models (labelled points) with both values, least-squares line and Pearson r.

    The points (``ax.collections[0].get_offsets()``) are the models present in both mappings
    with finite values, in sorted id order. Needs at least 3 such models.
    """
    from scipy.stats import pearsonr

    models = sorted(m for m in x if m in y and finite(x[m]) is not None
                    and finite(y[m]) is not None)
    if len(models) < 3:
        raise UserError(f"{ylabel} vs {xlabel}: {len(models)} model(s) have both scores; a "
                        "correlation needs at least 3")
    xs = np.array([float(x[m]) for m in models])
    ys = np.array([float(y[m]) for m in models])
    if np.ptp(xs) == 0 or np.ptp(ys) == 0:
        raise UserError(f"{ylabel} vs {xlabel}: every model has the same value; no correlation")
    result = pearsonr(xs, ys)
    corr = Correlation(float(result.statistic), float(result.pvalue), len(models))
    fig = _figure(5.2, 4.4)
    ax = fig.add_subplot()
    ax.scatter(xs, ys, s=28, color="C0", zorder=3)
    slope, intercept = np.polyfit(xs, ys, 1)
    grid = np.linspace(xs.min(), xs.max(), 2)
    ax.plot(grid, slope * grid + intercept, color="0.4", lw=1, ls="--", label="least squares")
    for model, px, py in zip(models, xs, ys, strict=True):
        ax.annotate(model, (px, py), textcoords="offset points", xytext=(4, 3), fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"Pearson r = {corr.r:.2f} (p = {corr.p:.2g}, n = {corr.n})")
    ax.grid(alpha=0.3)
    return fig, corr


# ---------------------------------------------------------------------------------------- EEG

def layer_window_figure(spec: Mapping[str, Any], title: str = "") -> Figure:
    """Heatmap of ``details["layer_by_window"]``: rows = layers, columns = time windows.

    ``spec`` = ``{"layers": [L names], "windows": [W names], "window_bounds_ms": [[s, e]] * W
    (optional), "values": L lists of W numbers}``; the image array equals ``values``.
    """
    try:
        layers, windows = list(spec["layers"]), list(spec["windows"])
        values = np.array([[np.nan if finite(v) is None else float(v) for v in row]
                           for row in spec["values"]], dtype=float)
    except (KeyError, TypeError) as exc:
        raise UserError(f"details.layer_by_window: expected layers, windows and values ({exc})") \
            from exc
    if values.shape != (len(layers), len(windows)):
        raise UserError(f"details.layer_by_window: values have shape {values.shape}, expected "
                        f"({len(layers)} layers, {len(windows)} windows)")
    bounds = spec.get("window_bounds_ms") or [None] * len(windows)
    names = [f"{w}\n{b[0]:g}-{b[1]:g} ms" if b else str(w)
             for w, b in zip(windows, bounds, strict=False)]
    fig = _figure(max(4.5, 0.55 * len(windows) + 2.5), max(3.0, 0.3 * len(layers) + 1.6))
    ax = fig.add_subplot()
    image = ax.imshow(values, aspect="auto", cmap="viridis", interpolation="nearest")
    fig.colorbar(image, ax=ax, label="score")
    ax.set_xticks(np.arange(len(windows)), names, rotation=90 if len(windows) > 8 else 0,
                  fontsize=7)
    ax.set_yticks(np.arange(len(layers)), layers, fontsize=7)
    ax.set_xlabel("time window")
    ax.set_ylabel("layer")
    if title:
        ax.set_title(title)
    return fig


def head_coordinates(positions: np.ndarray) -> np.ndarray:
    """Scale 2-D electrode positions (x right, y nose) so the farthest electrode sits at 0.9 of
    a unit-radius head centred at the origin: ``(n, 2)`` -> ``(n, 2)``."""
    reach = float(np.max(np.hypot(positions[:, 0], positions[:, 1])))
    return positions * (0.9 / reach) if reach > 0 else positions


def scalp_map_figure(spec: Mapping[str, Any], title: str = "", resolution: int = 101) -> Figure:
    """Scalp topography of ``details["per_channel"]`` (channels, values, positions).

    With 2-D ``positions`` (any unit; see :func:`head_coordinates`): a thin-plate-spline
    interpolation through the electrode values over the head disk (image; a linear radial
    basis when the electrodes lie on one line), electrodes as dots
    coloured by value, head outline with nose and ears. Without positions: a bar chart per
    channel. ``values`` may hold None (channel dropped): it is left out of the interpolation.
    """
    try:
        channels = [str(c) for c in spec["channels"]]
        values = np.array([np.nan if finite(v) is None else float(v) for v in spec["values"]])
    except (KeyError, TypeError) as exc:
        raise UserError(f"details.per_channel: expected channels and values ({exc})") from exc
    if len(values) != len(channels):
        raise UserError(f"details.per_channel: {len(values)} values for {len(channels)} channels")
    where = ", ".join(f"{k} {spec[k]}" for k in ("layer", "window") if spec.get(k) is not None)
    heading = " - ".join(t for t in (title, where) if t)
    positions = spec.get("positions")
    if positions is None:
        fig = _figure(max(4.5, 0.25 * len(channels) + 2), 3.2)
        ax = fig.add_subplot()
        ax.bar(np.arange(len(channels)), np.nan_to_num(values), color="C0")
        ax.set_xticks(np.arange(len(channels)), channels, rotation=90, fontsize=6)
        ax.set_ylabel("score")
        ax.set_title((heading + " " if heading else "") + "(no electrode positions)")
        return fig
    xy = np.asarray(positions, dtype=float)
    if xy.shape != (len(channels), 2):
        raise UserError(f"details.per_channel.positions: shape {xy.shape}, expected "
                        f"({len(channels)}, 2)")
    xy = head_coordinates(xy)
    ok = np.isfinite(values)
    if ok.sum() < 3:
        raise UserError(f"details.per_channel: {int(ok.sum())} channel(s) with values; a scalp "
                        "map needs at least 3")
    from matplotlib.patches import Circle
    from scipy.interpolate import RBFInterpolator

    grid = np.linspace(-1.0, 1.0, resolution)
    gx, gy = np.meshgrid(grid, grid)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    try:
        interpolator = RBFInterpolator(xy[ok], values[ok], kernel="thin_plate_spline")
    except np.linalg.LinAlgError:  # electrodes on one line: no plane to fit; a linear kernel
        interpolator = RBFInterpolator(xy[ok], values[ok], kernel="linear", degree=0)
    field = interpolator(points).reshape(gx.shape)
    # values just past the rim keep the clipped edge smooth; the corners stay empty
    field[np.hypot(gx, gy) > 1.0 + 3.0 / resolution] = np.nan
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    fig = _figure(4.6, 4.2)
    ax = fig.add_subplot()
    image = ax.imshow(field, origin="lower", extent=(-1, 1, -1, 1), cmap="viridis", vmin=lo,
                      vmax=hi, interpolation="bilinear")
    contours = ax.contour(gx, gy, field, levels=6, colors="k", linewidths=0.4, alpha=0.5)
    for artist in (image, contours):
        artist.set_clip_path(Circle((0, 0), 1.0, transform=ax.transData))
    ax.scatter(xy[ok, 0], xy[ok, 1], c=values[ok], cmap="viridis", vmin=lo, vmax=hi, s=22,
               edgecolors="k", linewidths=0.6, zorder=3, label="electrodes")
    if (~ok).any():
        ax.scatter(xy[~ok, 0], xy[~ok, 1], marker="x", color="0.3", s=18, zorder=3,
                   label="dropped")
    if len(channels) <= 64:
        for name, (px, py) in zip(channels, xy, strict=True):
            ax.annotate(name, (px, py), textcoords="offset points", xytext=(0, 4), fontsize=5,
                        ha="center")
    theta = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(theta), np.sin(theta), color="k", lw=1.2)
    ax.plot([-0.1, 0.0, 0.1], [0.995, 1.1, 0.995], color="k", lw=1.2)
    for side in (-1, 1):
        ax.plot(side * np.array([1.0, 1.04, 1.04, 1.0]), [0.12, 0.08, -0.08, -0.12], color="k",
                lw=1.2)
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.colorbar(image, ax=ax, shrink=0.8, label="score")
    if heading:
        ax.set_title(heading, fontsize=9)
    return fig
