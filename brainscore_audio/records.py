"""Score records: one immutable JSON document per (model, benchmark) score.

A record holds everything METHODS.md section 7 asks for, so a number can be traced to its
recipe. Its schema is part of the leaderboard contract (``RECORD_SCHEMA_VERSION``).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import atomic
from .cache import safe_name
from .errors import UserError

RECORD_SCHEMA_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")


class BenchmarkRef(_Strict):
    id: str = Field(description="benchmark identifier, e.g. nh2015.voxel-ridge")
    version: int = Field(description="benchmark version; bumped when its scores would change")


class ModelRef(_Strict):
    id: str = Field(description="model identifier, e.g. wav2vec2-base")
    version: str = Field(description="plugin version (or content hash of precomputed activations)")
    checkpoint: str | None = Field(None, description="weights id or hash, where known")
    source: Literal["plugin", "precomputed"] = "plugin"


class StimulusSetRef(_Strict):
    id: str
    fingerprint: str = Field(description="sha256 of the ids and audio samples")
    n_stimuli: int


class Provenance(_Strict):
    package_version: str
    git_commit: str | None
    platform: str
    device: str
    timestamp: datetime
    wall_time_s: float = Field(description="seconds spent scoring (activations in hand)")
    extraction_time_s: float | None = Field(
        None, description="seconds spent extracting activations in this run (None if cached)")


class ScoreRecord(_Strict):
    """One model's score on one benchmark, with its recipe and provenance.

    ``raw`` is the number papers compare; ``ceiled = raw / ceiling`` where the benchmark has a
    ceiling (see each benchmark's documentation for what its ceiling is).
    """

    record_schema_version: Literal[1] = RECORD_SCHEMA_VERSION
    benchmark: BenchmarkRef
    model: ModelRef
    stimulus_set: StimulusSetRef
    raw: float
    ceiled: float | None = None
    ceiling: float | None = None
    error: float | None = Field(None, description="standard error over subjects (or folds)")
    per_subject: dict[str, float] = {}
    per_layer: dict[str, float] = {}
    chosen_layers: list[str] = []
    layers_scored: list[str] = []
    pooling: str
    parameters: dict[str, Any] = {}
    data_checksums: dict[str, str] = {}
    details: dict[str, Any] = {}
    artefacts: dict[str, str] = Field({}, description="name -> file beside the record")
    provenance: Provenance

    @field_validator("ceiled", "ceiling", "error")
    @classmethod
    def _nan_to_none(cls, value: float | None) -> float | None:
        return None if value is not None and not math.isfinite(value) else value


def record_stem(model_id: str, benchmark_id: str) -> str:
    """File stem of a record: ``<model>__<benchmark>`` with unsafe characters replaced."""
    return f"{safe_name(model_id)}__{safe_name(benchmark_id)}"


def to_jsonable(value: Any) -> Any:
    """numpy scalars/arrays and NaN -> plain JSON values (NaN and inf become None)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_record(record: ScoreRecord, output_dir: str | Path,
                 artefacts: dict[str, np.ndarray] | None = None) -> Path:
    """Write ``<stem>.json`` (and ``<stem>.artefacts.npz`` if any) atomically; returns the path.

    The artefacts file is written first, so a record on disk always has its artefacts.
    """
    output_dir = Path(output_dir)
    stem = record_stem(record.model.id, record.benchmark.id)
    if artefacts:
        name = f"{stem}.artefacts.npz"
        atomic.write_npz(output_dir / name, {k: np.asarray(v) for k, v in artefacts.items()
                                             if v is not None})
        record = record.model_copy(update={"artefacts": {k: name for k in artefacts}})
    path = output_dir / f"{stem}.json"
    atomic.write_text(path, record.model_dump_json(indent=2) + "\n")
    return path


def read_record(path: str | Path) -> ScoreRecord:
    """Load and validate a record; a malformed file is a one-line :class:`UserError`."""
    path = Path(path)
    try:
        return ScoreRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read score record ({exc.strerror})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise UserError(f"{path}: not a valid score record ({where}: {first['msg']})") from exc


def record_json_schema() -> dict[str, Any]:
    """JSON Schema of a score record."""
    return ScoreRecord.model_json_schema()


def dumps(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), indent=2, sort_keys=True)
