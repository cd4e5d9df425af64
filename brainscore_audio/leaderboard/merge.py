"""Merging score records into a leaderboard: the checks a record must pass, the merge on model
id + version + checkpoint, versions and changelog entries, and the aggregates recomputed at each
build (from :mod:`brainscore_audio.aggregates`)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from .. import aggregates
from ..errors import UserError
from ..provenance import package_version
from ..records import ScoreRecord, read_record
from .schema import BenchmarkInfo, ChangelogEntry, Leaderboard, ModelInfo


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
    from ..model import RANDOM_WEIGHTS_SUFFIX, declared_identity

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
    from ..registry import benchmarks as benchmark_registry
    from ..registry import discover_plugins
    from ..registry import models as model_registry

    discover_plugins()  # plugins register their aggregates (e.g. a suite's downstream overall)

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
    board.aggregates = aggregates.compute(board)
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
