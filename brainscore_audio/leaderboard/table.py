"""The leaderboard as a table (``benchmark leaderboard show``) and the labels of its models."""

from __future__ import annotations

import numpy as np
from tabulate import tabulate

from .schema import Leaderboard


def model_labels(board: Leaderboard) -> dict[str, str]:
    """``{model key: label}``: the model id where the board has one entry of it, else the key
    (so two versions of one model are told apart wherever they are shown)."""
    count: dict[str, int] = {}
    for model in board.models.values():
        count[model.id] = count.get(model.id, 0) + 1
    return {key: model.id if count[model.id] == 1 else key for key, model in board.models.items()}


def table(board: Leaderboard, ceiled: bool = False, tablefmt: str = "github") -> str:
    """Models x benchmarks table; rows by mean rank over benchmarks (best first).

    Cells are ``raw ± SE`` (or ``ceiled`` with ``ceiled=True``); ``-`` where a model has no score.
    """
    benchmark_ids = sorted(board.benchmarks)
    # Aggregates nobody on this board has (e.g. a downstream overall on a brain-only board)
    # would only add a column of dashes.
    aggregate_names = sorted(name for name, values in board.aggregates.items()
                             if any(v is not None for v in values.values()))
    values = {}
    for model_id, model in board.models.items():
        for bench_id, record in model.scores.items():
            value = record.ceiled if ceiled else record.raw
            values[model_id, bench_id] = (value, None if ceiled else record.error)
    ranks: dict[str, list[float]] = {m: [] for m in board.models}
    for bench_id in benchmark_ids:
        scored = [(values[m, bench_id][0], m) for m in board.models
                  if (m, bench_id) in values and values[m, bench_id][0] is not None]
        for rank, (_, model_id) in enumerate(sorted(scored, reverse=True), start=1):
            ranks[model_id].append(rank)
    order = sorted(board.models, key=lambda m: (np.mean(ranks[m]) if ranks[m] else np.inf, m))
    labels = model_labels(board)
    rows = []
    for model_id in order:
        row = [labels[model_id]]
        for bench_id in benchmark_ids:
            value, error = values.get((model_id, bench_id), (None, None))
            if value is None:
                row.append("-")
            elif error is not None:
                row.append(f"{value:.3f} ± {error:.3f}")
            else:
                row.append(f"{value:.3f}")
        for name in aggregate_names:
            value = board.aggregates[name].get(model_id)
            row.append("-" if value is None else f"{value:.3f}")
        rows.append(row)
    headers = (["model"] + [f"{b} v{board.benchmarks[b].version}"
                            + (" (simulated)" if board.benchmarks[b].simulated else "")
                            for b in benchmark_ids] + aggregate_names)
    title = (f"leaderboard v{board.leaderboard_version} (schema {board.schema_version}); "
             f"{'ceiled = raw / ceiling' if ceiled else 'raw ± standard error over subjects'}")
    text = title + "\n" + tabulate(rows, headers=headers, tablefmt=tablefmt, disable_numparse=True)
    simulated = [b for b in benchmark_ids if board.benchmarks[b].simulated]
    if simulated:
        text += (f"\n(simulated): {', '.join(simulated)} score(s) against simulated brain data, "
                 "a check of the pipeline, not a measurement of a brain")
    return text
