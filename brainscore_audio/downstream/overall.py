"""The z-scored downstream overall (Pepino et al. 2025): population dependent, so it is computed
at every leaderboard build from the raw task scores stored in the records.

For one suite of tasks (``parameters.suite`` of the records: each task benchmark declares its
suite, and a plugin names the suite's aggregate with :func:`register_suite`), each task's raw
scores are z-scored over the models on the leaderboard that have it (population standard
deviation; a task on which all models tie contributes 0), and a model's overall is the mean of
its z-scores. A model missing one of the suite's tasks gets no overall (``None``): averages over
different task sets would not be comparable.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import aggregates
from .benchmark import PROTOCOL


def suite_scores(board, suite: str) -> dict[str, dict[str, float]]:
    """``{benchmark id: {model id: raw}}`` of the downstream records of ``suite``."""
    tasks: dict[str, dict[str, float]] = {}
    for model_id, model in board.models.items():
        for benchmark_id, record in model.scores.items():
            if record.parameters.get("protocol") == PROTOCOL and \
                    record.parameters.get("suite") == suite and record.raw is not None:
                tasks.setdefault(benchmark_id, {})[model_id] = float(record.raw)
    return tasks


def zscore_overall(tasks: Mapping[str, Mapping[str, float]]) -> dict[str, float | None]:
    """Mean over tasks of each model's z-score; ``None`` for a model missing a task.

    Args:
        tasks: ``{task: {model: raw score}}``.
    """
    models = sorted({m for values in tasks.values() for m in values})
    z: dict[str, list[float]] = {m: [] for m in models}
    for values in tasks.values():
        names = list(values)
        raw = np.array([values[m] for m in names], dtype=float)
        spread = raw.std()
        scores = (raw - raw.mean()) / spread if spread > 0 else np.zeros_like(raw)
        for name, score in zip(names, scores, strict=True):
            z[name].append(float(score))
    return {m: (float(np.mean(z[m])) if len(z[m]) == len(tasks) else None) for m in models}


def overall(board, suite: str) -> dict[str, float | None]:
    """The overall of every model of ``board`` with a score in ``suite`` (see module doc)."""
    return zscore_overall(suite_scores(board, suite))


def register_suite(suite: str, aggregate: str) -> None:
    """Compute the overall of the tasks of ``suite`` at every leaderboard build, as the aggregate
    named ``aggregate`` (a plugin's registration, e.g. its paper's suite). Idempotent."""
    def overall_of_suite(board) -> dict[str, float | None]:
        return overall(board, suite)

    overall_of_suite.__doc__ = f"z-scored downstream overall of suite {suite!r}"
    aggregates.register(aggregate, overall_of_suite)
