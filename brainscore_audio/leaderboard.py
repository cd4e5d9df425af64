"""The leaderboard: a versioned JSON document merging score records, and its table.

Schema contract: ``schema_version`` changes only with a migration note in
``leaderboard/CHANGELOG.md`` (older files are migrated on reading, see :func:`load`);
``leaderboard_version`` increases by one with every build that changes a score, and each
version gets a changelog entry. Published versions are immutable.

Models are keyed on what makes their scores comparable: model id, version and checkpoint
(:meth:`ModelRef.key`). A record only ever replaces a record of the same key and benchmark; a
second version or checkpoint of a model is a second entry, never a silent replacement.
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

LEADERBOARD_SCHEMA_VERSION = 2


class BenchmarkInfo(_Strict):
    id: str
    version: int
    description: str = ""
    bibtex: str = ""
    ceiling: float | None = Field(None, description="ceiling on the scale of raw, if any")
    simulated: bool = Field(False, description="the benchmark's brain data are simulated (a "
                                               "pipeline check, not a measurement of a brain)")


class ModelInfo(_Strict):
    id: str
    version: str
    checkpoint: str | None = Field(None, description="the weights every score of this entry "
                                                     "came from (see ScoreRecord.model)")
    metadata: dict[str, Any] = Field({}, description="the plugin's metadata.yaml")
    scores: dict[str, ScoreRecord] = Field({}, description="benchmark id -> score record")


class ChangelogEntry(_Strict):
    leaderboard_version: int
    date: datetime
    changes: list[str]


class Leaderboard(_Strict):
    """Every model's scores on every benchmark, at one leaderboard version."""

    schema_version: Literal[2] = LEADERBOARD_SCHEMA_VERSION
    leaderboard_version: int = 0
    created: datetime
    package_version: str
    benchmarks: dict[str, BenchmarkInfo] = {}
    models: dict[str, ModelInfo] = Field(
        {}, description="model key '<id>@<version>[#<checkpoint tag>]' -> that model's scores; "
                        "two versions or checkpoints of one model are two entries")
    aggregates: dict[str, dict[str, float | None]] = Field(
        {}, description="population-dependent numbers recomputed at each build "
                        "(name -> model key -> value), e.g. a z-scored downstream overall")
    changelog: list[ChangelogEntry] = []


# Population-dependent aggregates computed at build time: name -> f(leaderboard) -> {model: v}.
# Plugins and library modules add theirs (e.g. the downstream overall z-score).
AGGREGATORS: dict[str, Callable[[Leaderboard], dict[str, float | None]]] = {}


def load(path: str | Path) -> Leaderboard:
    """Read and validate a leaderboard file (one-line :class:`UserError` if malformed).

    A schema 1 file is migrated in memory (:func:`migrate_v1`); saving writes schema 2.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: leaderboard file not found")
    try:
        document = json.loads(path.read_text(encoding="utf-8"),
                              parse_constant=_refuse_constant)
    except ValueError as exc:
        raise UserError(f"{path}: not a valid leaderboard (not JSON: {exc})") from exc
    if isinstance(document, dict) and document.get("schema_version") == 1:
        document = migrate_v1(document)
    try:
        return Leaderboard.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise UserError(f"{path}: not a valid leaderboard ({where}: {first['msg']})") from exc


def _refuse_constant(name: str) -> float:
    raise ValueError(f"it holds {name}, which is not a JSON number")


def migrate_v1(document: dict[str, Any]) -> dict[str, Any]:
    """A schema 1 leaderboard as schema 2 (see leaderboard/CHANGELOG.md).

    Schema 1 keyed models by id alone, so one entry could mix records of several model versions;
    here each record moves to the entry of its own key (id, version, checkpoint). Aggregates were
    keyed by model id: they are carried over where an id has a single entry (they are recomputed
    at the next build anyway). Records, benchmarks and the changelog are kept as they are.
    """
    from .records import ModelRef

    models: dict[str, dict[str, Any]] = {}
    keys_of_id: dict[str, list[str]] = {}
    for model_id, info in (document.get("models") or {}).items():
        for bench_id, record in (info.get("scores") or {}).items():
            ref = ModelRef.model_validate(record["model"])
            key = ref.key()
            entry = models.setdefault(key, {"id": ref.id, "version": ref.version,
                                            "checkpoint": ref.checkpoint,
                                            "metadata": info.get("metadata", {}), "scores": {}})
            entry["scores"][bench_id] = {**record, "record_schema_version": 2}
            if key not in keys_of_id.setdefault(model_id, []):
                keys_of_id[model_id].append(key)
    aggregates = {name: {keys_of_id[m][0]: v for m, v in values.items()
                         if len(keys_of_id.get(m, [])) == 1}
                  for name, values in (document.get("aggregates") or {}).items()}
    return {**document, "schema_version": LEADERBOARD_SCHEMA_VERSION, "models": models,
            "aggregates": aggregates}


def save(board: Leaderboard, path: str | Path) -> None:
    atomic.write_text(path, board.model_dump_json(indent=2) + "\n")


def read_scores(scores_dir: str | Path) -> list[ScoreRecord]:
    """Every ``*.json`` record in a folder (sorted by name), each checked for the leaderboard.

    Raises a one-line :class:`UserError` naming the first bad file: invalid or non-finite
    numbers (:func:`~brainscore_audio.records.read_record`), or a model whose weights are not
    the ones its id declares (:func:`check_declared_weights`).
    """
    scores_dir = Path(scores_dir)
    if not scores_dir.is_dir():
        raise UserError(f"{scores_dir}: scores folder not found")
    paths = sorted(p for p in scores_dir.glob("*.json"))
    if not paths:
        raise UserError(f"{scores_dir}: no score records (*.json) found")
    records = []
    declared: dict[str, tuple[str, str | None] | None] = {}
    for path in paths:
        record = read_record(path)
        check_declared_weights(record, str(path), declared)
        records.append(record)
    return records


def check_declared_weights(record: ScoreRecord, where: str,
                           memo: dict[str, tuple[str, str | None] | None] | None = None) -> None:
    """Refuse a record whose model is not what its id stands for.

    - Ids ending in ``+random-weights`` (a hub model built with random weights for a
      conformance check, :data:`~brainscore_audio.model.RANDOM_WEIGHTS_ENV`) are never scores.
    - For an id registered here, the record's version and checkpoint must be the plugin's: a
      record of another version, or of weights other than the declared ones (e.g. random weights
      recorded under a pretrained id), is refused. Ids not registered here (a plugin not
      installed, precomputed activations) cannot be checked and are taken as they are.

    Args:
        where: names the record in the error (its file).
        memo: ``{model id: (version, declared checkpoint) or None}`` shared across calls.
    """
    from .model import RANDOM_WEIGHTS_SUFFIX, declared_identity

    model = record.model
    if model.id.endswith(RANDOM_WEIGHTS_SUFFIX):
        raise UserError(f"{where}: {model.id} was scored with random weights (a conformance-check "
                        "mode), not its model's weights; records of it never enter a leaderboard "
                        "(score the -untrained twin for an untrained control)")
    if model.source != "plugin":
        return
    memo = {} if memo is None else memo
    if model.id not in memo:
        memo[model.id] = declared_identity(model.id)
    declared = memo[model.id]
    if declared is None:
        return
    version, checkpoint = declared
    if model.version != version:
        raise UserError(f"{where}: {model.id} version {model.version} is not the installed "
                        f"plugin's version {version}; rescore it (or build with that version "
                        "installed)")
    if checkpoint is not None and model.checkpoint != checkpoint:
        raise UserError(f"{where}: {model.id} was scored with checkpoint {model.checkpoint!r}, "
                        f"not the weights the id declares ({checkpoint!r})")


def build(records: list[ScoreRecord], base: Leaderboard | None = None) -> Leaderboard:
    """Merge records into ``base`` (or a new leaderboard).

    Entries are keyed on model id + version + checkpoint (:meth:`ModelRef.key`). A record
    replaces the stored one for the same key and benchmark when its benchmark version is newer,
    or equal and its timestamp newer; a record of another version or checkpoint of a model on the
    board becomes its own entry, and the changelog line names the other entries. If anything
    changed, the leaderboard version goes up by one with a changelog entry listing the changes;
    otherwise ``base`` comes back unchanged.
    """
    from . import downstream  # noqa: F401 - registers the downstream overall AGGREGATORS
    from .registry import benchmarks as benchmark_registry
    from .registry import models as model_registry

    board = base.model_copy(deep=True) if base is not None else Leaderboard(
        created=datetime.now(timezone.utc), package_version=package_version())
    changes: list[str] = []
    for record in records:
        key = record.model.key()
        model = board.models.get(key)
        if model is None:
            metadata = (model_registry.entry(record.model.id).metadata()
                        if record.model.id in model_registry else {})
            model = board.models[key] = ModelInfo(
                id=record.model.id, version=record.model.version,
                checkpoint=record.model.checkpoint, metadata=metadata)
        old = model.scores.get(record.benchmark.id)
        if old is not None:
            newer = (record.benchmark.version, record.provenance.timestamp) > (
                old.benchmark.version, old.provenance.timestamp)
            if not newer or old == record:
                continue
        verb = "updated" if old is not None else "added"
        model.scores[record.benchmark.id] = record
        others = sorted(k for k, m in board.models.items() if m.id == record.model.id and k != key)
        beside = f" (beside {', '.join(others)})" if others else ""
        changes.append(f"{verb} {key} on {record.benchmark.id} "
                       f"v{record.benchmark.version}: raw {record.raw:.4f}{beside}")
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
    simulated = record.benchmark.simulated or bool(previous and previous.simulated)
    if record.benchmark.id in registry:
        try:  # constructors are cheap (data loads lazily), but a third-party one might fail
            benchmark = registry.make(record.benchmark.id, data_dir=None)
            description, bibtex = benchmark.description, benchmark.bibtex
            simulated = simulated or bool(getattr(benchmark, "simulated", False))
        except Exception:  # noqa: BLE001 - the record itself is still valid
            pass
    return BenchmarkInfo(id=record.benchmark.id, version=record.benchmark.version,
                         description=description, bibtex=bibtex, ceiling=record.ceiling,
                         simulated=simulated)


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
    text = title + "\n" + tabulate(rows, headers=headers, tablefmt=tablefmt)
    simulated = [b for b in benchmark_ids if board.benchmarks[b].simulated]
    if simulated:
        text += (f"\n(simulated): {', '.join(simulated)} score(s) against simulated brain data, "
                 "a check of the pipeline, not a measurement of a brain")
    return text


def json_schema() -> dict[str, Any]:
    """JSON Schema of the leaderboard (score records are under ``$defs/ScoreRecord``)."""
    schema = Leaderboard.model_json_schema()
    schema["$id"] = f"https://brainscore-audio.org/schema/leaderboard-v{LEADERBOARD_SCHEMA_VERSION}.json"
    schema["title"] = "brainscore-audio leaderboard"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
