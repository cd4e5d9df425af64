"""Score records: one immutable JSON document per (model, benchmark) score.

A record holds everything docs/methods.md#what-a-record-holds lists, so a number can be traced
to its recipe. Its schema is part of the leaderboard contract (``RECORD_SCHEMA_VERSION``).

A record never holds a number that is not one: ``raw`` is finite (a pair whose score is NaN or
infinite gets no record), secondary values that are undefined are ``null``, and a file holding
the JSON constants ``NaN``/``Infinity`` is refused on reading.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from . import atomic
from .cache import safe_name
from .errors import UserError

RECORD_SCHEMA_VERSION = 2
#: Record schema versions :func:`read_record` reads (1 is read as 2: the same fields, without
#: the guarantee that ``raw`` is finite, which reading checks).
READABLE_RECORD_SCHEMAS = (1, 2)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="null")


class BenchmarkRef(_Strict):
    id: str = Field(description="benchmark identifier, e.g. nh2015.voxel-ridge")
    version: int = Field(description="benchmark version; bumped when its scores would change")
    simulated: bool = Field(False, description="the brain data are simulated (a pipeline check, "
                                               "not a measurement of a brain)")


class ModelRef(_Strict):
    id: str = Field(description="model identifier, e.g. wav2vec2-base")
    version: str = Field(description="plugin version (or content hash of precomputed activations)")
    checkpoint: str | None = Field(
        None, description="the weights the activations came from: '<hub repo>@<commit>', "
                          "'<file> sha256:<hex>', a wheel file, or null for fixed filters")
    source: Literal["plugin", "precomputed"] = "plugin"

    def key(self) -> str:
        """What makes two scores of this model comparable: ``<id>@<version>``, plus
        ``#<first 12 hex of sha256(checkpoint)>`` when there is a checkpoint. Leaderboard
        entries and record file names are keyed on it."""
        key = f"{self.id}@{self.version}"
        return key + f"#{checkpoint_tag(self.checkpoint)}" if self.checkpoint else key


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

    record_schema_version: Literal[2] = RECORD_SCHEMA_VERSION
    benchmark: BenchmarkRef
    model: ModelRef
    stimulus_set: StimulusSetRef
    raw: float = Field(description="the headline number; always finite")
    ceiled: float | None = None
    ceiling: float | None = None
    error: float | None = Field(None, description="standard error over subjects (or folds)")
    per_subject: dict[str, float | None] = Field(
        {}, description="subject -> value on the scale of raw (null: undefined for it)")
    per_layer: dict[str, float | None] = Field(
        {}, description="layer -> score had only that layer been offered (null: the layer "
                        "could not be scored; the benchmark's details say why)")
    chosen_layers: list[str] = []
    layers_scored: list[str] = []
    pooling: str
    parameters: dict[str, Any] = {}
    data_checksums: dict[str, str] = {}
    details: dict[str, Any] = {}
    artefacts: dict[str, str] = Field({}, description="name -> file beside the record")
    provenance: Provenance

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """Schema 1 records have the same fields: read them as schema 2."""
        if isinstance(data, dict) and data.get("record_schema_version") == 1:
            data = {**data, "record_schema_version": RECORD_SCHEMA_VERSION}
        return data

    @field_validator("raw")
    @classmethod
    def _finite_raw(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError(f"raw is {value}; a record holds a finite score")
        return value

    @field_validator("ceiled", "ceiling", "error")
    @classmethod
    def _nan_to_none(cls, value: float | None) -> float | None:
        return None if value is not None and not math.isfinite(value) else value

    @field_validator("per_subject", "per_layer")
    @classmethod
    def _undefined_to_none(cls, values: dict[str, float | None]) -> dict[str, float | None]:
        return {k: None if v is None or not math.isfinite(v) else v for k, v in values.items()}


def checkpoint_tag(checkpoint: str) -> str:
    """12 hex digits naming a checkpoint string (sha256 of it), for keys and file names."""
    return hashlib.sha256(checkpoint.encode()).hexdigest()[:12]


def record_stem(model: ModelRef, benchmark_id: str) -> str:
    """File stem of a record: ``<model>__v<version>[__<checkpoint tag>]__<benchmark>`` with
    unsafe characters replaced, so records of two versions or two checkpoints of one model never
    overwrite each other."""
    parts = [safe_name(model.id), "v" + safe_name(model.version)]
    if model.checkpoint:
        parts.append(checkpoint_tag(model.checkpoint))
    return "__".join([*parts, safe_name(benchmark_id)])


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
    stem = record_stem(record.model, record.benchmark.id)
    if artefacts:
        name = f"{stem}.artefacts.npz"
        atomic.write_npz(output_dir / name, {k: np.asarray(v) for k, v in artefacts.items()
                                             if v is not None})
        record = record.model_copy(update={"artefacts": {k: name for k in artefacts}})
    path = output_dir / f"{stem}.json"
    atomic.write_text(path, record.model_dump_json(indent=2) + "\n")
    return path


def read_record(path: str | Path) -> ScoreRecord:
    """Load and validate a record; a malformed file is a one-line :class:`UserError`.

    Refused (naming the file): unreadable or invalid JSON, the constants ``NaN``, ``Infinity``
    or ``-Infinity`` anywhere (JSON has no such numbers; a record writes undefined values as
    ``null``), a ``raw`` that is null or not finite, and an unknown schema version.
    """
    path = Path(path)
    document = read_json_document(path, "score record")
    version = document.get("record_schema_version") if isinstance(document, dict) else None
    if isinstance(document, dict) and version not in READABLE_RECORD_SCHEMAS:
        raise UserError(f"{path}: record_schema_version {version!r} is not one this version of "
                        f"brainscore-audio reads ({', '.join(map(str, READABLE_RECORD_SCHEMAS))})")
    return validated(ScoreRecord, document, path, "score record")


def read_json_document(path: Path, what: str) -> Any:
    """The JSON document in ``path``; a one-line :class:`UserError` naming the file when it
    cannot be read, is not JSON, or holds ``NaN``/``Infinity``/``-Infinity`` (not JSON numbers;
    our documents hold finite numbers, and null where a value is undefined)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except OSError as exc:
        raise UserError(f"{path}: cannot read {what} ({exc.strerror})") from exc
    except _NonFinite as exc:
        raise UserError(f"{path}: not a valid {what} (it holds {exc.args[0]}; a {what} "
                        "holds finite numbers, and null where a value is undefined)") from exc
    except ValueError as exc:
        raise UserError(f"{path}: not a valid {what} (not JSON: {exc})") from exc


def validated(cls: type[BaseModel], document: Any, path: Path, what: str) -> Any:
    """``cls`` validated from ``document``; the first problem as a one-line :class:`UserError`."""
    try:
        return cls.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise UserError(f"{path}: not a valid {what} ({where}: {first['msg']})") from exc


class _NonFinite(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NonFinite(name)


def dumps(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), indent=2, sort_keys=True)
