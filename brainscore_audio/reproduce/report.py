"""The reproduction report: Markdown beside figures and a JSON of every comparison.

``report.md`` says which of the study's models ran (and why the others did not), puts each
published number beside ours with the difference and whether it is within the recipe's
tolerance, and holds the analyses' tables; ``comparison.json`` holds the same numbers for
programs; ``figures/published-vs-ours.png`` plots them (one panel per kind of number).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import atomic, optional
from ..errors import UserError
from .compare import MISSING, OUTSIDE, WITHIN, Comparison
from .recipe import Recipe

FIGURES = "figures"


@dataclass
class ModelStatus:
    """What happened to one model of the study (or an extra model of the run)."""

    name: str
    id: str | None
    status: str  # "scored", "failed", "unavailable", "not run"
    detail: str = ""


@dataclass
class Report:
    recipe: Recipe
    comparisons: list[Comparison]
    models: list[ModelStatus]
    analyses: list[tuple[str, str]] = field(default_factory=list)  # (title, markdown body)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (caption, relative path)
    notes: list[str] = field(default_factory=list)
    command: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _signed(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:+.{digits}f}"


def counts(comparisons: Sequence[Comparison]) -> dict[str, int]:
    return {status: sum(c.status == status for c in comparisons)
            for status in (WITHIN, OUTSIDE, MISSING)}


def markdown(report: Report) -> str:
    """The report as Markdown."""
    recipe = report.recipe
    tally = counts(report.comparisons)
    ran = [m for m in report.models if m.status == "scored"]
    study = [m for m in report.models if m.status != "extra"]
    lines = [f"# Reproduction of {recipe.study}: {recipe.title}", ""]
    if report.provenance:
        lines += ["; ".join(f"{k}: {v}" for k, v in report.provenance.items()), ""]
    if report.command:
        lines += [f"Command: `{report.command}`", ""]
    lines += [
        "## Summary", "",
        f"- Published numbers: {len(report.comparisons)}; within tolerance: {tally[WITHIN]}, "
        f"outside: {tally[OUTSIDE]}, not computed: {tally[MISSING]}.",
        f"- Models: {len(ran)} scored of the study's {len(study)}; "
        f"{sum(m.status == 'unavailable' for m in study)} the project cannot load, "
        f"{sum(m.status == 'failed' for m in study)} failed, "
        f"{sum(m.status == 'not run' for m in study)} not run.",
        "- A correlation across models is computed over the study's models we scored: with "
        "fewer models than the paper it can differ for that reason alone (the `models` column "
        "counts them).", ""]
    lines += [f"- {note}" for note in report.notes]
    if report.notes:
        lines.append("")
    lines += ["## Models", "", "| study name | id here | status | detail |", "|---|---|---|---|"]
    lines += [f"| {m.name} | {m.id or '-'} | {m.status} | {_cell(m.detail)} |"
              for m in report.models]
    lines += ["", "## Published numbers beside ours", ""]
    if not report.comparisons:
        lines += ["The recipe cites no published number: the run's scores and analyses are "
                  "below, with nothing to compare them with.", ""]
    for source in dict.fromkeys(c.number.source for c in report.comparisons):
        group = [c for c in report.comparisons if c.number.source == source]
        lines += [f"### {source}", "",
                  "| number | kind | published | ours | difference | tolerance | status | models "
                  "| note |", "|---|---|---|---|---|---|---|---|---|"]
        for c in group:
            note = "; ".join(filter(None, ["interim" if c.number.interim else "", c.number.note,
                                           c.reason]))
            lines.append(f"| {_cell(c.number.label)} | {c.number.kind} | "
                         f"{_number(c.number.value)} | {_number(c.ours)} | "
                         f"{_signed(c.difference)} | {c.tolerance:g} | {c.status} | "
                         f"{len(c.models) if c.ours is not None else '-'} | {_cell(note)} |")
        lines.append("")
    if recipe.tolerances:
        lines += ["## Tolerances", "", "| kind | abs | why |", "|---|---|---|"]
        lines += [f"| {kind} | {t.abs:g} | {_cell(t.why)} |"
                  for kind, t in recipe.tolerances.items()]
        lines.append("")
    for title, body in report.analyses:
        lines += [f"## {title}", "", body, ""]
    for caption, path in report.figures:
        lines += [f"![{caption}]({path})", "", f"*{caption}*", ""]
    if recipe.citation:
        lines += ["## Citation", "", "```bibtex", recipe.citation.strip(), "```", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def comparison_json(report: Report) -> dict[str, Any]:
    return {
        "study": report.recipe.study, "command": report.command, **report.provenance,
        "counts": counts(report.comparisons),
        "models": [vars(m) for m in report.models],
        "comparisons": [{
            "label": c.number.label, "kind": c.number.kind, "source": c.number.source,
            "interim": c.number.interim, "note": c.number.note, "published": c.number.value,
            "ours": c.ours, "difference": c.difference, "tolerance": c.tolerance,
            "status": c.status, "models": c.models, "reason": c.reason,
            "quantity": (c.number.correlation or c.number.score).model_dump(mode="json")}
            for c in report.comparisons],
    }


def published_vs_ours_figure(comparisons: Sequence[Comparison], path: Path) -> Path | None:
    """One panel per kind: ours against published, the identity line and the tolerance band
    (points outside it in red). None when no number has ours."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    kinds = list(dict.fromkeys(c.number.kind for c in comparisons if c.ours is not None))
    if not kinds:
        return None
    figure, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds), 4.0), squeeze=False)
    for axis, kind in zip(axes[0], kinds, strict=True):
        group = [c for c in comparisons if c.number.kind == kind and c.ours is not None]
        published = np.array([c.number.value for c in group])
        ours = np.array([c.ours for c in group])
        low = float(min(published.min(), ours.min()))
        high = float(max(published.max(), ours.max()))
        pad = 0.05 * (high - low or 1.0)
        grid = np.array([low - pad, high + pad])
        tolerance = group[0].tolerance
        axis.fill_between(grid, grid - tolerance, grid + tolerance, color="0.9",
                          label=f"+-{tolerance:g}")
        axis.plot(grid, grid, color="0.5", lw=0.8)
        colours = ["tab:red" if c.status == OUTSIDE else "tab:blue" for c in group]
        axis.scatter(published, ours, c=colours, s=16)
        axis.set_xlabel("published")
        axis.set_ylabel("ours")
        axis.set_title(f"{kind} ({len(group)} numbers)", fontsize=10)
        axis.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    plt.close(figure)
    atomic.write_bytes(path, buffer.getvalue())
    return path


def write(report: Report, folder: Path) -> Path:
    """Write ``report.md``, ``comparison.json`` and the figure into ``folder``; returns the
    Markdown file."""
    folder.mkdir(parents=True, exist_ok=True)
    figure = None
    if optional.available("matplotlib"):
        figure = published_vs_ours_figure(report.comparisons,
                                          folder / FIGURES / "published-vs-ours.png")
    else:
        report.notes.append(optional.missing_message("matplotlib", "the report's figures",
                                                     "publish"))
    if figure is not None:
        report.figures.insert(0, ("Published numbers against ours; the grey band is the "
                                  "tolerance, red points are outside it",
                                  f"{FIGURES}/{figure.name}"))
    atomic.write_json(folder / "comparison.json", comparison_json(report))
    path = folder / "report.md"
    atomic.write_text(path, markdown(report))
    return path


def require_models(models: Sequence[ModelStatus]) -> None:
    if not any(m.status == "scored" for m in models):
        raise UserError("no model of the study was scored: nothing to compare (see the models' "
                        "status above)")
