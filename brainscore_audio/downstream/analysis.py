"""Brain scores vs downstream performance across models (Pepino et al. 2025, Table 1 and
Figs. 8-9): Pearson r and p between the z-scored downstream overall (and each task's raw score)
and each brain benchmark's raw score, over the models of a leaderboard, also on the subset of
models whose overall exceeds a threshold (-0.75 in the paper)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from .. import atomic
from ..errors import UserError
from ..optional import require
from .benchmark import PROTOCOL
from .overall import overall, suite_scores

MIN_MODELS = 3  # fewer points give no meaningful correlation


@dataclass
class Correlation:
    """Pearson correlation of ``x`` (downstream) and ``y`` (brain) over ``models``."""

    x_name: str
    y_name: str
    models: list[str]
    x: list[float]
    y: list[float]
    r: float | None
    p: float | None


def pearson(x_name: str, y_name: str, pairs: dict[str, tuple[float, float]]) -> Correlation:
    """Pearson r and two-sided p over the models in ``pairs`` (None if < 3 models or constant)."""
    models = sorted(pairs)
    x = [pairs[m][0] for m in models]
    y = [pairs[m][1] for m in models]
    r = p = None
    if len(models) >= MIN_MODELS and np.std(x) > 0 and np.std(y) > 0:
        result = stats.pearsonr(x, y)
        r, p = float(result.statistic), float(result.pvalue)
    return Correlation(x_name, y_name, models, x, y, r, p)


def brain_benchmarks(board) -> list[str]:
    """Benchmarks of ``board`` that are not downstream tasks (their records are not probes)."""
    downstream = {b for model in board.models.values() for b, record in model.scores.items()
                  if record.parameters.get("protocol") == PROTOCOL}
    return sorted(set(board.benchmarks) - downstream)


def raw_scores(board, benchmark_id: str) -> dict[str, float]:
    return {m: float(model.scores[benchmark_id].raw) for m, model in board.models.items()
            if benchmark_id in model.scores and model.scores[benchmark_id].raw is not None}


@dataclass
class Analysis:
    suite: str
    threshold: float
    overall: dict[str, float | None]
    overall_vs_brain: list[Correlation]
    overall_vs_brain_subset: list[Correlation]
    task_vs_brain: list[Correlation]


def analyse(board, suite: str = "hear", threshold: float = -0.75) -> Analysis:
    """All correlations for one leaderboard (see module doc)."""
    totals = overall(board, suite)
    scored = {m: v for m, v in totals.items() if v is not None}
    if not scored:
        raise UserError(f"the leaderboard has no model with every downstream task of suite "
                        f"{suite!r} (records with parameters.suite == {suite!r})")
    brains = brain_benchmarks(board)
    if not brains:
        raise UserError("the leaderboard has no brain benchmark scores to correlate with")
    full, subset, per_task = [], [], []
    for brain in brains:
        values = raw_scores(board, brain)
        pairs = {m: (scored[m], values[m]) for m in scored if m in values}
        full.append(pearson("overall", brain, pairs))
        subset.append(pearson(f"overall > {threshold:g}", brain,
                              {m: v for m, v in pairs.items() if v[0] > threshold}))
        for task, task_values in sorted(suite_scores(board, suite).items()):
            per_task.append(pearson(task, brain, {m: (task_values[m], values[m])
                                                  for m in task_values if m in values}))
    return Analysis(suite, threshold, totals, full, subset, per_task)


def _fmt(c: Correlation) -> list:
    return [c.y_name, len(c.models), "-" if c.r is None else f"{c.r:.3f}",
            "-" if c.p is None else f"{c.p:.3g}"]


def tables(result: Analysis) -> str:
    """The correlation tables as text (tabulate)."""
    from tabulate import tabulate

    head = ["brain benchmark", "n models", "Pearson r", "p"]
    lines = [f"overall downstream (suite {result.suite}, z-scored over the leaderboard's models) "
             "vs brain scores (raw)",
             tabulate([_fmt(c) for c in result.overall_vs_brain], headers=head), "",
             f"models with overall > {result.threshold:g}",
             tabulate([_fmt(c) for c in result.overall_vs_brain_subset], headers=head), "",
             "per task (raw task score) vs brain scores",
             tabulate([[c.x_name] + _fmt(c) for c in result.task_vs_brain],
                      headers=["task"] + head)]
    return "\n".join(lines)


def plot(result: Analysis, path: str | Path) -> Path:
    """Scatter plots (one per brain benchmark) of brain score vs overall, with r, p, the
    least-squares line and the threshold; saved as PNG."""
    matplotlib = require("matplotlib", "plotting (or pass --no-plot)", "downstream")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = result.overall_vs_brain
    columns = min(3, len(panels))
    rows = int(np.ceil(len(panels) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.6 * rows), squeeze=False)
    for axis, corr in zip(axes.flat, panels, strict=False):
        axis.scatter(corr.x, corr.y, s=18)
        for model, x, y in zip(corr.models, corr.x, corr.y, strict=True):
            axis.annotate(model, (x, y), fontsize=6, xytext=(2, 2), textcoords="offset points")
        if corr.r is not None:
            slope, intercept = np.polyfit(corr.x, corr.y, 1)
            grid = np.linspace(min(corr.x), max(corr.x), 2)
            axis.plot(grid, slope * grid + intercept, lw=1, color="grey")
        axis.axvline(result.threshold, ls="--", lw=0.8, color="tab:red")
        label = "r = n/a" if corr.r is None else f"r = {corr.r:.2f}, p = {corr.p:.2g}"
        axis.set_title(f"{corr.y_name}\n{label} (n = {len(corr.models)})", fontsize=9)
        axis.set_xlabel(f"downstream overall ({result.suite}, z)", fontsize=8)
        axis.set_ylabel("brain score (raw)", fontsize=8)
    for axis in list(axes.flat)[len(panels):]:
        axis.set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    plt.close(figure)
    atomic.write_bytes(path, buffer.getvalue())
    return Path(path)
