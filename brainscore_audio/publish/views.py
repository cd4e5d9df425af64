"""Read-only views of leaderboard contents shared by the web site, the figures and ``cite``.

Nothing here changes a record; it only orders and looks up what the JSON already holds.
"""

from __future__ import annotations

import math
from typing import Any

from ..leaderboard import Leaderboard
from ..records import ScoreRecord


def layer_order(record: ScoreRecord) -> list[str]:
    """Layers of ``record.per_layer`` in depth order: ``layers_scored`` order first (the plugin
    declares layers in depth order), then any per-layer key not listed there, in stored order."""
    listed = [name for name in record.layers_scored if name in record.per_layer]
    return listed + [name for name in record.per_layer if name not in listed]


def finite(value: Any) -> float | None:
    """``value`` as a float, or None when it is missing or not finite."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def mean_rank_order(board: Leaderboard) -> list[str]:
    """Model ids by mean rank of ``raw`` over benchmarks (best first; unscored models last,
    ties by id) -- the order of ``benchmark leaderboard show``."""
    ranks: dict[str, list[int]] = {m: [] for m in board.models}
    for bench_id in board.benchmarks:
        scored = sorted(((rec.raw, m) for m, model in board.models.items()
                         if (rec := model.scores.get(bench_id)) is not None
                         and finite(rec.raw) is not None), reverse=True)
        for rank, (_, model_id) in enumerate(scored, start=1):
            ranks[model_id].append(rank)
    return sorted(board.models, key=lambda m: (sum(ranks[m]) / len(ranks[m]) if ranks[m]
                                               else math.inf, m))


def benchmark_records(board: Leaderboard, benchmark_id: str) -> dict[str, ScoreRecord]:
    """``{model id: record}`` of every model scored on ``benchmark_id``."""
    return {m: model.scores[benchmark_id] for m, model in board.models.items()
            if benchmark_id in model.scores}


def ceiling_convention(records: list[ScoreRecord]) -> str | None:
    """The benchmark's stated ceiling definition (``parameters["ceiling"]`` of its newest record
    that states one), or None."""
    for record in sorted(records, key=lambda r: r.provenance.timestamp, reverse=True):
        value = record.parameters.get("ceiling")
        if isinstance(value, str) and value:
            return value
    return None
