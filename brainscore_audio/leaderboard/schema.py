"""The leaderboard document: its schema (pydantic models), reading with migration of older
schemas, writing, and the published JSON Schema.

Schema contract: ``schema_version`` changes only with a migration note in
``leaderboard/CHANGELOG.md`` (older files are migrated on reading, see :func:`load`).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from .. import atomic
from ..errors import UserError
from ..records import ModelRef, ScoreRecord, _Strict, read_json_document, validated

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


def load(path: str | Path) -> Leaderboard:
    """Read and validate a leaderboard file (one-line :class:`UserError` if malformed).

    A schema 1 file is migrated in memory (:func:`migrate_v1`); saving writes schema 2.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: leaderboard file not found")
    document = read_json_document(path, "leaderboard")
    if isinstance(document, dict) and document.get("schema_version") == 1:
        document = migrate_v1(document)
    return validated(Leaderboard, document, path, "leaderboard")


def migrate_v1(document: dict[str, Any]) -> dict[str, Any]:
    """A schema 1 leaderboard as schema 2 (see leaderboard/CHANGELOG.md).

    Schema 1 keyed models by id alone, so one entry could mix records of several model versions;
    here each record moves to the entry of its own key (id, version, checkpoint). Aggregates were
    keyed by model id: they are carried over where an id has a single entry (they are recomputed
    at the next build anyway). Records, benchmarks and the changelog are kept as they are.
    """
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


def json_schema() -> dict[str, Any]:
    """JSON Schema of the leaderboard (score records are under ``$defs/ScoreRecord``)."""
    schema = Leaderboard.model_json_schema()
    schema["$id"] = f"https://brainscore-audio.org/schema/leaderboard-v{LEADERBOARD_SCHEMA_VERSION}.json"
    schema["title"] = "brainscore-audio leaderboard"
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
