"""The leaderboard: a versioned JSON document merging score records, and its table.

Schema contract: ``schema_version`` changes only with a migration note in
``leaderboard/CHANGELOG.md``; ``leaderboard_version`` increases by one with every build that
changes a score, and each version gets a changelog entry. Published versions are immutable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError
from tabulate import tabulate

from . import atomic
from .errors import UserError
from .provenance import package_version
from .records import ScoreRecord, _Strict, read_record

LEADERBOARD_SCHEMA_VERSION = 1


class BenchmarkInfo(_Strict):
    id: str
    version: int
    description: str = ""
    bibtex: str = ""
    ceiling: float | None = Field(None, description="ceiling on the scale of raw, if any")


class ModelInfo(_Strict):
    id: str
    version: str
    metadata: dict[str, Any] = Field({}, description="the plugin's metadata.yaml")
    scores: dict[str, ScoreRecord] = Field({}, description="benchmark id -> score record")


class ChangelogEntry(_Strict):
    leaderboard_version: int
    date: datetime
    changes: list[str]


class Leaderboard(_Strict):
    """Every model's scores on every benchmark, at one leaderboard version."""

    schema_version: Literal[1] = LEADERBOARD_SCHEMA_VERSION
    leaderboard_version: int = 0
    created: datetime
    package_version: str
    benchmarks: dict[str, BenchmarkInfo] = {}
    models: dict[str, ModelInfo] = {}
    aggregates: dict[str, dict[str, float | None]] = Field(
        {}, description="population-dependent numbers recomputed at each build "
                        "(name -> model id -> value), e.g. a z-scored downstream overall")
    changelog: list[ChangelogEntry] = []


# Population-dependent aggregates computed at build time: name -> f(leaderboard) -> {model: v}.
# Plugins and library modules add theirs (e.g. the downstream overall z-score).
AGGREGATORS: dict[str, Callable[[Leaderboard], dict[str, float | None]]] = {}


def load(path: str | Path) -> Leaderboard:
    """Read and validate a leaderboard file (one-line :class:`UserError` if malformed)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: leaderboard file not found")
    try:
        return Leaderboard.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise UserError(f"{path}: not a valid leaderboard ({where}: {first['msg']})") from exc


def save(board: Leaderboard, path: str | Path) -> None:
    atomic.write_text(path, board.model_dump_json(indent=2) + "\n")


def read_scores(scores_dir: str | Path) -> list[ScoreRecord]:
    """Every ``*.json`` record in a folder (sorted by name); a bad file is a UserError."""
    scores_dir = Path(scores_dir)
    if not scores_dir.is_dir():
        raise UserError(f"{scores_dir}: scores folder not found")
    paths = sorted(p for p in scores_dir.glob("*.json"))
    if not paths:
        raise UserError(f"{scores_dir}: no score records (*.json) found")
    return [read_record(p) for p in paths]


def build(records: list[ScoreRecord], base: Leaderboard | None = None) -> Leaderboard:
    """Merge records into ``base`` (or a new leaderboard).

    A record replaces the stored one for the same (model, benchmark) when its benchmark version
    is newer, or equal and its timestamp newer. If anything changed, the leaderboard version
    goes up by one with a changelog entry listing the changes; otherwise ``base`` comes back
    unchanged.
    """
    from . import downstream  # noqa: F401 - registers the downstream overall AGGREGATORS
    from .registry import benchmarks as benchmark_registry
    from .registry import models as model_registry

    board = base.model_copy(deep=True) if base is not None else Leaderboard(
        created=datetime.now(timezone.utc), package_version=package_version())
    changes: list[str] = []
    for record in records:
        model = board.models.get(record.model.id)
        if model is None:
            metadata = (model_registry.entry(record.model.id).metadata()
                        if record.model.id in model_registry else {})
            model = board.models[record.model.id] = ModelInfo(
                id=record.model.id, version=record.model.version, metadata=metadata)
        old = model.scores.get(record.benchmark.id)
        if old is not None:
            newer = (record.benchmark.version, record.provenance.timestamp) > (
                old.benchmark.version, old.provenance.timestamp)
            if not newer or old == record:
                continue
        verb = "updated" if old is not None else "added"
        model.scores[record.benchmark.id] = record
        model.version = record.model.version
        changes.append(f"{verb} {record.model.id} on {record.benchmark.id} "
                       f"v{record.benchmark.version}: raw {record.raw:.4f}")
        info = board.benchmarks.get(record.benchmark.id)
        if info is None or info.version <= record.benchmark.version:
            board.benchmarks[record.benchmark.id] = _benchmark_info(
                record, benchmark_registry, info)
    if not changes and base is not None:
        return base
    board.aggregates = {name: fn(board) for name, fn in sorted(AGGREGATORS.items())}
    board.leaderboard_version += 1
    board.created = datetime.now(timezone.utc)
    board.package_version = package_version()
    board.changelog.append(ChangelogEntry(leaderboard_version=board.leaderboard_version,
                                          date=board.created, changes=changes))
    return board


def _benchmark_info(record: ScoreRecord, registry, previous: BenchmarkInfo | None) -> BenchmarkInfo:
    description, bibtex = (previous.description, previous.bibtex) if previous else ("", "")
    if record.benchmark.id in registry:
        try:  # constructors are cheap (data loads lazily), but a third-party one might fail
            benchmark = registry.make(record.benchmark.id, data_dir=None)
            description, bibtex = benchmark.description, benchmark.bibtex
        except Exception:  # noqa: BLE001 - the record itself is still valid
            pass
    return BenchmarkInfo(id=record.benchmark.id, version=record.benchmark.version,
                         description=description, bibtex=bibtex, ceiling=record.ceiling)


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
    rows = []
    for model_id in order:
        row = [model_id]
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
    headers = (["model"] + [f"{b} v{board.benchmarks[b].version}" for b in benchmark_ids]
               + aggregate_names)
    title = (f"leaderboard v{board.leaderboard_version} (schema {board.schema_version}); "
             f"{'ceiled = raw / ceiling' if ceiled else 'raw ± standard error over subjects'}")
    return title + "\n" + tabulate(rows, headers=headers, tablefmt=tablefmt)


def json_schema() -> dict[str, Any]:
    """JSON Schema of the leaderboard (score records are under ``$defs/ScoreRecord``)."""
    schema = Leaderboard.model_json_schema()
    schema["$id"] = "https://brainscore-audio.org/schema/leaderboard-v1.json"
    schema["title"] = "brainscore-audio leaderboard"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
