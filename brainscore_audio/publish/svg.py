"""Small dependency-free SVG charts for the web leaderboard (inline in the HTML pages).

Every text that reaches the SVG is escaped; numbers are formatted, never interpolated raw.
Coordinates are in SVG user units (pixels at 100 % zoom).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2", "#7f7f7f", "#bcbd22"]

# Anchors of the viridis colour map (matplotlib's values at 0, 0.25, 0.5, 0.75, 1).
_VIRIDIS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]


def color(fraction: float) -> str:
    """Viridis-like colour (``#rrggbb``) of ``fraction`` in [0, 1] (clipped), by linear
    interpolation between five anchors."""
    x = min(max(float(fraction), 0.0), 1.0) * (len(_VIRIDIS) - 1)
    i = min(int(x), len(_VIRIDIS) - 2)
    t = x - i
    rgb = [round(a + (b - a) * t) for a, b in zip(_VIRIDIS[i], _VIRIDIS[i + 1], strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def text_color(fraction: float) -> str:
    """Black or white, whichever reads on :func:`color` of ``fraction``."""
    return "#000" if fraction > 0.55 else "#fff"


def _nice_range(values: Sequence[float], include_zero: bool = True) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.05 * (hi - lo)
    return (lo if include_zero and lo == 0 else lo - pad), (hi + pad)


def _ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 x 10^k) inside [lo, hi]."""
    raw_step = (hi - lo) / max(target - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    first = math.ceil(lo / step - 1e-9)
    return [k * step for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def line_profile(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
                 marked: Sequence[str] = (), ylabel: str = "score", width: int = 640,
                 height: int = 260) -> str:
    """Per-layer profile: one polyline per series over the layer ``labels`` (depth order).

    Args:
        labels: x categories (layer names).
        series: ``(name, values)`` with one value (or None) per label; the first is drawn
            thickest.
        marked: labels to mark as chosen (a ring on the first series and a label).
        ylabel: y-axis title.
    Returns: an ``<svg>`` element as a string.
    """
    values = [v for _, ys in series for v in ys if v is not None]
    if not labels or not values:
        return '<p class="muted">no per-layer values</p>'
    left, right, top = 56, 12, 14
    rotate = len(labels) > 6 or max(len(s) for s in labels) > 10
    bottom = 20 + (min(110, 6 * max(len(s) for s in labels)) if rotate else 18)
    lo, hi = _nice_range(values)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / len(labels))

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(ylabel)} per layer">']
    for tick in _ticks(lo, hi):
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   'class="grid"/>')
        out.append(f'<text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                   f'class="tick">{tick:.3g}</text>')
    out.append(f'<text x="12" y="{top + plot_h / 2:.1f}" class="axis" text-anchor="middle" '
               f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(ylabel)}</text>')
    for i, label in enumerate(labels):
        ty = top + plot_h + 14
        if rotate:
            out.append(f'<text x="{x(i):.1f}" y="{ty}" class="tick" text-anchor="end" '
                       f'transform="rotate(-45 {x(i):.1f} {ty})">{escape(label)}</text>')
        else:
            out.append(f'<text x="{x(i):.1f}" y="{ty}" class="tick" '
                       f'text-anchor="middle">{escape(label)}</text>')
    for k, (name, ys) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        stroke = 2.5 if k == 0 else 1.5
        points = [(x(i), y(v)) for i, v in enumerate(ys) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                       f'stroke-width="{stroke}"/>')
        for i, v in enumerate(ys):
            if v is None:
                continue
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
                       f'<title>{escape(name)}, {escape(labels[i])}: {v:.4f}</title></circle>')
    first = series[0][1]
    for i, label in enumerate(labels):
        if label in marked and first[i] is not None:
            out.append(f'<circle cx="{x(i):.1f}" cy="{y(first[i]):.1f}" r="7" fill="none" '
                       f'stroke="#000" stroke-width="1.5" class="chosen"><title>chosen layer '
                       f'{escape(label)}</title></circle>')
    if len(series) > 1:
        for k, (name, _) in enumerate(series):
            lx, ly = left + 8 + 120 * (k % 4), top + 4 + 14 * (k // 4)
            out.append(f'<rect x="{lx}" y="{ly}" width="10" height="3" '
                       f'fill="{PALETTE[k % len(PALETTE)]}"/><text x="{lx + 14}" y="{ly + 5}" '
                       f'class="tick">{escape(name[:18])}</text>')
    out.append("</svg>")
    return "".join(out)


def bars(labels: Sequence[str], values: Sequence[float | None], ylabel: str = "score",
         width: int = 640, height: int = 220) -> str:
    """Vertical bar chart of one value per label (e.g. per subject); None bars are left empty."""
    finite_values = [v for v in values if v is not None]
    if not labels or not finite_values:
        return '<p class="muted">no values</p>'
    left, right, top = 56, 12, 10
    rotate = len(labels) > 8 or max(len(s) for s in labels) > 8
    bottom = 20 + (min(90, 6 * max(len(s) for s in labels)) if rotate else 16)
    lo, hi = _nice_range(finite_values)
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / len(labels)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
           f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(ylabel)} per subject">']
    for tick in _ticks(lo, hi):
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                   f'class="grid"/><text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                   f'class="tick">{tick:.3g}</text>')
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        cx = left + slot * (i + 0.5)
        if v is not None:
            y0, y1 = sorted((y(0.0), y(v)))
            out.append(f'<rect x="{cx - slot * 0.35:.1f}" y="{y0:.1f}" width="{slot * 0.7:.1f}" '
                       f'height="{max(y1 - y0, 0.5):.1f}" fill="{PALETTE[0]}"><title>'
                       f'{escape(label)}: {v:.4f}</title></rect>')
        ty = top + plot_h + 13
        anchor = "end" if rotate else "middle"
        transform = f' transform="rotate(-45 {cx:.1f} {ty})"' if rotate else ""
        out.append(f'<text x="{cx:.1f}" y="{ty}" class="tick" text-anchor="{anchor}"{transform}>'
                   f'{escape(label)}</text>')
    out.append(f'<text x="12" y="{top + plot_h / 2:.1f}" class="axis" text-anchor="middle" '
               f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(ylabel)}</text>')
    out.append("</svg>")
    return "".join(out)


def scalp(channels: Sequence[str], values: Sequence[float | None],
          positions: Sequence[Sequence[float]], size: int = 300) -> str:
    """Electrodes as coloured dots on a head outline (nose up); colour = value (viridis, scaled
    to the finite values' range). ``positions`` are 2-D (x right, y front), any unit: they are
    scaled so the farthest electrode sits at 90 % of the head radius."""
    finite_values = [v for v in values if v is not None]
    if not channels or not finite_values:
        return '<p class="muted">no channel values</p>'
    lo, hi = min(finite_values), max(finite_values)
    span = hi - lo if hi > lo else 1.0
    cx = cy = size / 2
    radius = size * 0.4
    reach = max((px * px + py * py) ** 0.5 for px, py in positions) or 1.0
    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{size}" '
           f'height="{size}" viewBox="0 0 {size} {size}" role="img" aria-label="scalp map">',
           f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="#444"/>',
           f'<path d="M {cx - 10} {cy - radius + 1} L {cx} {cy - radius - 12} L {cx + 10} '
           f'{cy - radius + 1}" fill="none" stroke="#444"/>']
    for name, v, (px, py) in zip(channels, values, positions, strict=True):
        sx = cx + 0.9 * radius * px / reach
        sy = cy - 0.9 * radius * py / reach
        fill = "#ccc" if v is None else color((v - lo) / span)
        label = "n/a" if v is None else f"{v:.4f}"
        out.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="7" fill="{fill}" stroke="#333">'
                   f'<title>{escape(name)}: {label}</title></circle>')
    out.append(f'<text x="4" y="{size - 6}" class="tick">{lo:.3g} to {hi:.3g}</text></svg>')
    return "".join(out)
