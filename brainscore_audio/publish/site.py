"""The static web leaderboard: ``benchmark leaderboard html``.

Writes, from one :class:`~brainscore_audio.leaderboard.Leaderboard`::

    index.html                 sortable models x benchmarks table (raw / ceiled switch), changelog
    models/<model>.html        per benchmark: summary, per-layer profile, per-subject values,
                               EEG layer x window and per-channel maps when the record has them
    benchmarks/<bench>.html    recipe (parameters), ceiling and its convention, BibTeX, all scores
    leaderboard.json           the leaderboard itself, for download
    style.css, leaderboard.js  from brainscore_audio/publish/templates/

Every page is plain HTML with inline SVG; the numbers the table script needs are in ``data-*``
attributes of the server-rendered table, so the site works from ``file://`` without a server
and without fetching anything. Every string from the leaderboard is HTML-escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from .. import atomic
from ..cache import safe_name
from ..errors import UserError
from ..leaderboard import Leaderboard, ModelInfo, model_labels
from ..records import ScoreRecord
from . import svg
from .views import benchmark_records, ceiling_convention, finite, layer_order, mean_rank_order

MARKER = ".brainscore-audio-site"
ASSETS = ("style.css", "leaderboard.js")
MAX_DETAILS_CHARS = 20_000


@dataclass
class Site:
    """What :func:`build_site` wrote (paths relative to the output folder)."""

    output: Path
    pages: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.pages)


def page_name(identifier: str) -> str:
    """File name of the page of a model or benchmark id (``safe_name`` + ``.html``)."""
    return safe_name(identifier) + ".html"


def build_site(board: Leaderboard, output: str | Path) -> Site:
    """Render ``board`` as a static site into ``output`` (created if needed).

    A non-empty ``output`` that was not written by this function is refused (so a typo cannot
    overwrite an unrelated folder); in a folder this function wrote before, pages of models or
    benchmarks no longer on the leaderboard are removed.
    """
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise UserError(f"--output {output}: exists and is not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise UserError(f"--output {output}: folder is not empty and is not a brainscore-audio "
                        f"site (no {MARKER}); choose an empty or new folder")
    site = Site(output)
    # The marker goes first: a build that fails half-way (disk full) leaves a folder the next
    # build recognises as its own and may overwrite.
    atomic.write_text(output / MARKER, "written by `benchmark leaderboard html`\n")
    context = _context(board)
    pages: dict[str, str] = {"index.html": _render_page(context, "", f"brainscore-audio "
                                                        f"leaderboard v{board.leaderboard_version}",
                                                        _index_body(board), scripts=True)}
    labels = model_labels(board)
    for model_key, model in board.models.items():
        pages[f"models/{page_name(labels[model_key])}"] = _render_page(
            context, "../", f"{labels[model_key]} - brainscore-audio", _model_body(board, model))
    for bench_id in board.benchmarks:
        pages[f"benchmarks/{page_name(bench_id)}"] = _render_page(
            context, "../", f"{bench_id} - brainscore-audio", _benchmark_body(board, bench_id))
    for sub in ("models", "benchmarks"):
        folder = output / sub
        if folder.is_dir():
            for stale in folder.glob("*.html"):
                if f"{sub}/{stale.name}" not in pages:
                    stale.unlink()
    for name, text in pages.items():
        atomic.write_text(output / name, text)
        site.pages.append(name)
    templates = resources.files(__package__) / "templates"
    for asset in ASSETS:
        atomic.write_text(output / asset, (templates / asset).read_text(encoding="utf-8"))
    atomic.write_text(output / "leaderboard.json", board.model_dump_json(indent=2) + "\n")
    return site


# ----------------------------------------------------------------------------------- rendering

def _context(board: Leaderboard) -> dict[str, str]:
    return {"package_version": escape(board.package_version),
            "leaderboard_version": str(board.leaderboard_version),
            "schema_version": str(board.schema_version),
            "created": escape(board.created.strftime("%Y-%m-%d %H:%M UTC"))}


def _render_page(context: dict[str, str], root: str, title: str, body: str,
                 scripts: bool = False) -> str:
    template = Template((resources.files(__package__) / "templates" / "page.html")
                        .read_text(encoding="utf-8"))
    script = f'<script src="{root}leaderboard.js"></script>' if scripts else ""
    return template.substitute(context, root=root, title=escape(title), body=body, scripts=script)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "\u2013" if value is None else f"{value:.{digits}f}"


def _num_attr(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _index_body(board: Leaderboard) -> str:
    bench_ids = sorted(board.benchmarks)
    # an aggregate no model on this board has (e.g. a downstream overall on a brain-only board)
    # would be a column of dashes
    aggregate_names = sorted(name for name, values in board.aggregates.items()
                             if any(finite(v) is not None for v in values.values()))
    head = ['<th data-type="text" scope="col"><button class="sort" type="button">model</button>'
            '</th>']
    for bench_id in bench_ids:
        info = board.benchmarks[bench_id]
        ceiling = "" if info.ceiling is None else f" &middot; ceiling {info.ceiling:.3f}"
        simulated = (' &middot; <span class="simulated" title="simulated brain data: a check of '
                     'the pipeline, not a measurement of a brain">simulated</span>'
                     if info.simulated else "")
        head.append(
            f'<th class="num" data-type="number" data-benchmark="{escape(bench_id)}" scope="col" '
            f'title="{escape(info.description)}"><button class="sort" type="button">'
            f'{escape(bench_id)}</button><span class="meta"><a href="benchmarks/'
            f'{escape(page_name(bench_id))}">v{info.version}</a>{ceiling}{simulated}</span></th>')
    for name in aggregate_names:
        head.append(f'<th class="num aggregate" data-type="number" data-aggregate="{escape(name)}" '
                    f'scope="col" title="population-dependent aggregate, recomputed at every '
                    f'build"><button class="sort" type="button">{escape(name)}</button>'
                    f'<span class="meta">aggregate</span></th>')
    rows = []
    labels = model_labels(board)
    for model_key in mean_rank_order(board):
        model, model_id = board.models[model_key], labels[model_key]
        cells = [f'<th scope="row"><a href="models/{escape(page_name(model_id))}">'
                 f'{escape(model_id)}</a> <span class="muted">v{escape(model.version)}</span></th>']
        for bench_id in bench_ids:
            cells.append(_score_cell(model_id, bench_id, model.scores.get(bench_id)))
        for name in aggregate_names:
            value = finite(board.aggregates[name].get(model_key))
            cells.append(f'<td class="num cell aggregate" data-raw="{_num_attr(value)}" '
                         f'data-ceiled="{_num_attr(value)}" title="{escape(name)}: '
                         f'{_fmt(value, 4)}"><span class="val">{_fmt(value)}</span></td>')
        rows.append(f'<tr data-model="{escape(model_id)}">{"".join(cells)}</tr>')
    legend_raw = "raw: the number the papers compare; \u00b1 standard error over subjects"
    legend_ceiled = "ceiled = raw / ceiling (a noisy ceiling can give values above 1)"
    n_models, n_bench = len(board.models), len(board.benchmarks)
    simulated = [b for b in bench_ids if board.benchmarks[b].simulated]
    parts = [
        f"<h1>Leaderboard v{board.leaderboard_version}</h1>",
        f'<p class="muted">{n_models} model(s) on {n_bench} benchmark(s); schema '
        f'{board.schema_version}; package {escape(board.package_version)}. Click a column to sort '
        "(again to reverse); hover a cell for its standard error and ceiling.</p>",
        *([f'<p class="simulated-note"><strong>Simulated:</strong> '
           f'{escape(", ".join(simulated))} score(s) against simulated brain data (a check of '
           "the pipeline against a planted truth), not a measurement of a brain.</p>"]
          if simulated else []),
        '<div class="controls"><span>Show:</span>'
        '<label><input type="radio" name="mode" value="raw" id="mode-raw" checked> raw</label>'
        '<label><input type="radio" name="mode" value="ceiled" id="mode-ceiled"> ceiled</label>'
        f'<span id="mode-legend" class="muted" data-raw="{escape(legend_raw)}" '
        f'data-ceiled="{escape(legend_ceiled)}">{escape(legend_raw)}</span></div>',
        f'<table id="board"><thead><tr>{"".join(head)}</tr></thead>'
        f'<tbody>{"".join(rows)}</tbody></table>',
        "<h2>Benchmarks</h2>", _benchmark_list(board),
        "<h2>Changelog</h2>", _changelog(board),
    ]
    return "\n".join(parts)


def _score_cell(model_id: str, bench_id: str, record: ScoreRecord | None) -> str:
    if record is None:
        return ('<td class="num cell" data-raw="" data-ceiled="" title="not scored">'
                '<span class="val">\u2013</span></td>')
    raw, ceiled, error = finite(record.raw), finite(record.ceiled), finite(record.error)
    ceiling = finite(record.ceiling)
    tip = [f"{model_id} on {bench_id} v{record.benchmark.version}",
           f"raw {_fmt(raw, 4)}" + ("" if error is None else f" \u00b1 {error:.4f} (SE)"),
           f"ceiled {_fmt(ceiled, 4)}" + ("" if ceiling is None else f" (ceiling {ceiling:.4f})")]
    if record.chosen_layers:
        tip.append("chosen layer: " + ", ".join(record.chosen_layers[:3]))
    se = "" if error is None else f" \u00b1 {error:.3f}"
    return (f'<td class="num cell" data-raw="{_num_attr(raw)}" data-ceiled="{_num_attr(ceiled)}" '
            f'data-err="{_num_attr(error)}" title="{escape(chr(10).join(tip))}">'
            f'<span class="val">{_fmt(raw)}</span><span class="se">{se}</span>'
            '<span class="bar"><span class="fill"></span><span class="whisker"></span></span></td>')


def _benchmark_list(board: Leaderboard) -> str:
    items = []
    for bench_id in sorted(board.benchmarks):
        info = board.benchmarks[bench_id]
        items.append(f'<li><a href="benchmarks/{escape(page_name(bench_id))}">{escape(bench_id)}'
                     f'</a> v{info.version}: {escape(info.description)}</li>')
    return f"<ul>{''.join(items)}</ul>" if items else '<p class="muted">none</p>'


def _changelog(board: Leaderboard) -> str:
    if not board.changelog:
        return '<p class="muted">no entries</p>'
    items = []
    for entry in reversed(board.changelog):
        changes = "".join(f"<li>{escape(c)}</li>" for c in entry.changes)
        items.append(f"<li><strong>v{entry.leaderboard_version}</strong> "
                     f"({escape(entry.date.strftime('%Y-%m-%d'))})<ul>{changes}</ul></li>")
    return f'<ul class="changelog">{"".join(items)}</ul>'


def _value_html(value: Any) -> str:
    """Generic, escaped rendering of a JSON value: dicts as key/value tables, short scalar
    lists inline, anything else as indented JSON."""
    if isinstance(value, dict):
        if not value:
            return '<span class="muted">{}</span>'
        rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{_value_html(v)}</td></tr>"
                       for k, v in value.items())
        return f'<table class="kv">{rows}</table>'
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        text = ", ".join(json.dumps(v) if not isinstance(v, str) else v for v in value)
        return f"[{escape(text)}]"
    if isinstance(value, str):
        return escape(value)
    return f"<code>{escape(json.dumps(value))}</code>"


def _model_body(board: Leaderboard, model: ModelInfo) -> str:
    meta = dict(model.metadata)
    citation = meta.pop("citation", None)
    name = meta.get("name")
    parts = [f"<h1>{escape(model.id)}</h1>",
             f'<p class="muted">model version {escape(model.version)}'
             + (f" &middot; {escape(str(name))}" if name else "") + "</p>"]
    if meta:
        parts += ["<h2>Metadata</h2>", _value_html(meta)]
    if isinstance(citation, str) and citation.strip():
        parts += ["<h3>Citation</h3>", f"<pre>{escape(citation.strip())}</pre>"]
    summary = ["<tr><th>benchmark</th><th class=num>raw</th><th class=num>SE</th>"
               "<th class=num>ceiled</th><th class=num>ceiling</th><th>chosen layers</th></tr>"]
    for bench_id in sorted(model.scores):
        rec = model.scores[bench_id]
        summary.append(
            f'<tr><td><a href="#{escape(safe_name(bench_id))}">{escape(bench_id)}</a> '
            f'v{rec.benchmark.version}</td><td class=num>{_fmt(finite(rec.raw), 4)}</td>'
            f'<td class=num>{_fmt(finite(rec.error), 4)}</td>'
            f'<td class=num>{_fmt(finite(rec.ceiled), 4)}</td>'
            f'<td class=num>{_fmt(finite(rec.ceiling), 4)}</td>'
            f'<td>{escape(", ".join(rec.chosen_layers))}</td></tr>')
    parts += ["<h2>Scores</h2>", f"<table>{''.join(summary)}</table>"]
    for bench_id in sorted(model.scores):
        parts.append(_record_section(bench_id, model.scores[bench_id],
                                     bench_id in board.benchmarks))
    return "\n".join(parts)


def _record_section(bench_id: str, rec: ScoreRecord, has_page: bool) -> str:
    link = (f'<a href="../benchmarks/{escape(page_name(bench_id))}">{escape(bench_id)}</a>'
            if has_page else escape(bench_id))
    prov = rec.provenance
    facts = {
        "raw": _fmt(finite(rec.raw), 4), "standard error": _fmt(finite(rec.error), 4),
        "ceiled": _fmt(finite(rec.ceiled), 4), "ceiling": _fmt(finite(rec.ceiling), 4),
        "chosen layers": ", ".join(rec.chosen_layers) or "\u2013",
        "pooling": rec.pooling,
        "stimulus set": f"{rec.stimulus_set.id} ({rec.stimulus_set.n_stimuli} stimuli, "
                        f"sha256 {rec.stimulus_set.fingerprint[:12]}\u2026)",
        "model": f"{rec.model.id} v{rec.model.version} ({rec.model.source})"
                 + (f", checkpoint {rec.model.checkpoint}" if rec.model.checkpoint else ""),
        "computed": f"{prov.timestamp:%Y-%m-%d %H:%M} UTC, brainscore-audio "
                    f"{prov.package_version}, commit {prov.git_commit or 'unknown'}, "
                    f"{prov.device}, {prov.wall_time_s:.1f} s",
    }
    parts = [f'<h2 id="{escape(safe_name(bench_id))}">{link} '
             f'<span class="muted">v{rec.benchmark.version}</span></h2>', _value_html(facts)]
    labels = layer_order(rec)
    if labels:
        series: list[tuple[str, list[float | None]]] = [
            ("score", [finite(rec.per_layer[name]) for name in labels])]
        roi = rec.details.get("roi")
        if isinstance(roi, dict):
            for roi_name, profile in roi.items():
                per_layer = profile.get("per_layer") if isinstance(profile, dict) else None
                if isinstance(per_layer, dict):
                    series.append((str(roi_name), [finite(per_layer.get(n)) for n in labels]))
        title = "Per-layer profile (the score had only that layer been offered; ring = chosen)"
        if len(series) > 1:
            title += "; other lines: details.roi"
        parts += [f"<h3>{escape(title)}</h3>",
                  svg.line_profile(labels, series, rec.chosen_layers, ylabel="score")]
    if rec.per_subject:
        subjects = list(rec.per_subject)
        values = [finite(rec.per_subject[s]) for s in subjects]
        rows = "".join(f"<tr><td>{escape(s)}</td><td class=num>{_fmt(v, 4)}</td></tr>"
                       for s, v in zip(subjects, values, strict=True))
        parts += ["<h3>Per subject</h3>", svg.bars(subjects, values, ylabel="score"),
                  f"<details><summary>values</summary><table>{rows}</table></details>"]
    windows = _layer_by_window_html(rec.details.get("layer_by_window"))
    if windows:
        parts += ["<h3>Layer x time window</h3>", windows]
    channels = _per_channel_html(rec.details.get("per_channel"))
    if channels:
        parts += ["<h3>Per channel</h3>", channels]
    if rec.details:
        text = json.dumps(rec.details, indent=1, default=str)
        if len(text) > MAX_DETAILS_CHARS:
            text = text[:MAX_DETAILS_CHARS] + "\n\u2026 (truncated; see the score record)"
        parts.append(f"<details><summary>details (JSON)</summary><pre>{escape(text)}</pre>"
                     "</details>")
    if rec.artefacts:
        files = sorted(set(rec.artefacts.values()))
        parts.append(f'<p class="muted">artefacts ({escape(", ".join(sorted(rec.artefacts)))}) '
                     f'in {escape(", ".join(files))} beside the score record</p>')
    return "\n".join(parts)


def _layer_by_window_html(spec: Any) -> str:
    """``details["layer_by_window"]`` as a colour-coded table (rows layers, columns windows)."""
    if not isinstance(spec, dict):
        return ""
    layers, windows, values = spec.get("layers"), spec.get("windows"), spec.get("values")
    if not (isinstance(layers, list) and isinstance(windows, list) and isinstance(values, list)):
        return ""
    grid = [[finite(v) for v in row] for row in values if isinstance(row, list)]
    flat = [v for row in grid for v in row if v is not None]
    if not flat or len(grid) != len(layers):
        return ""
    lo, hi = min(flat), max(flat)
    span = hi - lo if hi > lo else 1.0
    bounds = spec.get("window_bounds_ms") or []
    head = ["<th>layer \\ window</th>"]
    for k, name in enumerate(windows):
        sub = ""
        if k < len(bounds) and isinstance(bounds[k], list) and len(bounds[k]) == 2:
            sub = f'<br><span class="muted">{escape(str(bounds[k][0]))}\u2013' \
                  f'{escape(str(bounds[k][1]))} ms</span>'
        head.append(f"<th>{escape(str(name))}{sub}</th>")
    rows = []
    for layer, row in zip(layers, grid, strict=True):
        cells = []
        for v in row:
            if v is None:
                cells.append("<td>\u2013</td>")
            else:
                f = (v - lo) / span
                cells.append(f'<td style="background:{svg.color(f)};color:{svg.text_color(f)}">'
                             f"{v:.3f}</td>")
        rows.append(f"<tr><th>{escape(str(layer))}</th>{''.join(cells)}</tr>")
    return f'<table class="heat"><tr>{"".join(head)}</tr>{"".join(rows)}</table>'


def _per_channel_html(spec: Any) -> str:
    """``details["per_channel"]``: a scalp map when positions are given, and a value table."""
    if not isinstance(spec, dict):
        return ""
    channels, values = spec.get("channels"), spec.get("values")
    if not (isinstance(channels, list) and isinstance(values, list)) or len(channels) != len(values):
        return ""
    values = [finite(v) for v in values]
    where = ", ".join(f"{k} {spec[k]}" for k in ("layer", "window") if spec.get(k) is not None)
    parts = [f'<p class="muted">{escape(where)}</p>'] if where else []
    positions = spec.get("positions")
    if (isinstance(positions, list) and len(positions) == len(channels)
            and all(isinstance(p, list) and len(p) == 2 for p in positions)):
        points = [(float(p[0]), float(p[1])) for p in positions]
        parts.append(svg.scalp([str(c) for c in channels], values, points))
    else:
        parts.append(svg.bars([str(c) for c in channels], values, ylabel="score"))
    return "\n".join(parts)


def _benchmark_body(board: Leaderboard, bench_id: str) -> str:
    info = board.benchmarks[bench_id]
    records = benchmark_records(board, bench_id)
    newest = max(records.values(), key=lambda r: r.provenance.timestamp, default=None)
    convention = ceiling_convention(list(records.values()))
    facts = {"version": str(info.version), "description": info.description or "\u2013",
             "ceiling": _fmt(finite(info.ceiling), 4),
             "ceiling convention": convention or "not stated in the records",
             "ceiled": "raw / ceiling"}
    parts = [f"<h1>{escape(bench_id)} <span class='muted'>v{info.version}</span></h1>",
             _value_html(facts)]
    ranked = sorted(records.items(), key=lambda kv: (-(finite(kv[1].raw) or float("-inf")), kv[0]))
    rows = ["<tr><th>model</th><th class=num>raw</th><th class=num>SE</th><th class=num>ceiled"
            "</th><th>chosen layers</th></tr>"]
    labels = model_labels(board)
    for model_key, rec in ranked:
        model_id = labels[model_key]
        rows.append(f'<tr><td><a href="../models/{escape(page_name(model_id))}#'
                    f'{escape(safe_name(bench_id))}">{escape(model_id)}</a></td>'
                    f"<td class=num>{_fmt(finite(rec.raw), 4)}</td>"
                    f"<td class=num>{_fmt(finite(rec.error), 4)}</td>"
                    f"<td class=num>{_fmt(finite(rec.ceiled), 4)}</td>"
                    f"<td>{escape(', '.join(rec.chosen_layers))}</td></tr>")
    parts += ["<h2>Scores</h2>", f"<table>{''.join(rows)}</table>"]
    if newest is not None:
        differing = sorted(m for m, r in records.items() if r.parameters != newest.parameters)
        parts += ["<h2>Recipe</h2>",
                  f'<p class="muted">protocol parameters actually used (record of '
                  f"{escape(newest.model.id)}, pooling {escape(newest.pooling)}, stimulus set "
                  f"{escape(newest.stimulus_set.id)})</p>", _value_html(newest.parameters)]
        if differing:
            parts.append(f'<p class="muted">parameters differ for: {escape(", ".join(differing))}'
                         "</p>")
        if newest.data_checksums:
            parts += ["<h3>Data checksums (sha256)</h3>", _value_html(newest.data_checksums)]
    parts += ["<h2>Citation</h2>",
              f"<pre>{escape(info.bibtex.strip())}</pre>" if info.bibtex.strip()
              else '<p class="muted">no BibTeX given by the benchmark</p>',
              f'<p class="muted">Cite the software at this leaderboard version too: '
              f"<code>benchmark cite --benchmark {escape(bench_id)} --leaderboard</code></p>"]
    return "\n".join(parts)
