"""Agreement between the model rankings of the eight metrics (the paper's "rank-dependence
split"): Spearman correlations between metrics across models, and Kendall's W.

Note: ``rv`` and ``cka-linear`` are the same number (both tr(XX'YY') / sqrt(tr(XX'XX')
tr(YY'YY')) on centred data), so that pair always agrees perfectly; it is kept for fidelity to the
paper and counts twice in W.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata, spearmanr

from ..metrics.similarity import EIGHT
from ..records import ScoreRecord


def kendalls_w(ranks: np.ndarray) -> float:
    """Kendall's coefficient of concordance with the tie correction.

    Args:
        ranks: ``(raters, items)``: each row ranks the items (average ranks for ties).
    Returns:
        W in [0, 1]; NaN for fewer than 2 items.
    """
    ranks = np.asarray(ranks, dtype=np.float64)
    m, n = ranks.shape
    if n < 2 or m < 1:
        return float("nan")
    totals = ranks.sum(axis=0)
    s = float(((totals - totals.mean()) ** 2).sum())
    ties = 0.0
    for row in ranks:
        _, counts = np.unique(row, return_counts=True)
        ties += float((counts**3 - counts).sum())
    denominator = m**2 * (n**3 - n) - m * ties
    return s * 12.0 / denominator if denominator > 0 else float("nan")


@dataclass
class Agreement:
    """For one data set: the models ranked by every metric, the metric-by-metric Spearman matrix
    and Kendall's W."""

    dataset: str
    metrics: list[str]
    models: list[str]
    scores: np.ndarray  # (metrics, models) raw scores
    spearman: np.ndarray  # (metrics, metrics)
    w: float


def collect(records: Iterable[ScoreRecord]) -> dict[str, dict[str, dict[str, float]]]:
    """``{data set: {metric: {model: raw}}}`` from records of ``<data>.<metric>`` benchmarks with
    one of the eight metrics (the newest record wins where a pair repeats)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    latest: dict[tuple[str, str], object] = {}
    for record in records:
        data, _, metric = record.benchmark.id.partition(".")
        if metric not in EIGHT:
            continue
        key = (record.benchmark.id, record.model.id)
        stamp = (record.benchmark.version, record.provenance.timestamp)
        if key in latest and latest[key] >= stamp:
            continue
        latest[key] = stamp
        out.setdefault(data, {}).setdefault(metric, {})[record.model.id] = record.raw
    return out


def agreement(dataset: str, table: dict[str, dict[str, float]]) -> Agreement:
    """Agreement of the metrics in ``table`` ({metric: {model: raw}}) over the models every metric
    scored."""
    metrics = [m for m in EIGHT if m in table]
    models = sorted(set.intersection(*(set(table[m]) for m in metrics))) if metrics else []
    scores = np.array([[table[m][model] for model in models] for m in metrics], dtype=np.float64)
    k = len(metrics)
    rho = np.full((k, k), np.nan)
    if len(models) >= 3:
        for i in range(k):
            for j in range(k):
                rho[i, j] = spearmanr(scores[i], scores[j]).statistic
    ranks = np.array([rankdata(-row) for row in scores]) if models else np.zeros((k, 0))
    return Agreement(dataset, metrics, models, scores, rho, kendalls_w(ranks))
