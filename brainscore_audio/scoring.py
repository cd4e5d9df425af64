"""The record-writing step: score one benchmark on activations in hand and write its record, and
find a record that can stand for a (model, benchmark) pair. Every executor's score job and the
precomputed-activations path call it.

A record is reused only when everything it depends on is the same (model version and checkpoint,
benchmark version, stimulus-set fingerprint, data checksums). A pair whose score is not a finite
number gets no record: it fails with one line.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .activations import StimulusActivations
from .benchmark import Benchmark, Score
from .errors import UserError
from .model import AudioModel
from .plugin_calls import guarded
from .provenance import git_commit, package_version, platform_summary
from .records import (
    BenchmarkRef,
    ModelRef,
    Provenance,
    ScoreRecord,
    StimulusSetRef,
    read_record,
    record_stem,
    to_jsonable,
    write_record,
)


@dataclass
class RunOutcome:
    """What happened to one (model, benchmark) pair."""

    model_id: str
    benchmark_id: str
    status: str  # "scored", "skipped" (record exists, or its extraction failed) or "failed"
    path: Path | None = None
    raw: float | None = None
    message: str = ""


def model_ref(model: AudioModel) -> ModelRef:
    """What a record says about a (constructed) model: id, version and checkpoint."""
    return ModelRef(id=model.identifier, version=str(model.version), checkpoint=model.checkpoint)


class ScoreNotFiniteError(UserError):
    """A benchmark's headline score is NaN or infinite: the pair fails and gets no record."""


def existing_record(output_dir: Path, model: ModelRef, benchmark: Benchmark) -> Path | None:
    """Path of a valid record that can stand for this (model, benchmark) pair, if any.

    It must be of the same model version and checkpoint and benchmark version, and computed on
    the same stimuli (fingerprint of ids and audio) and data (the benchmark's data checksums):
    two task folders with the same name, or a data release that changed, never share a record.
    This loads the benchmark's data (to compare its checksums).
    """
    path = output_dir / f"{record_stem(model, benchmark.identifier)}.json"
    if not path.is_file():
        return None
    try:
        record = read_record(path)
    except UserError:
        return None
    same = (record.model.version == model.version and record.model.checkpoint == model.checkpoint
            and record.benchmark.version == benchmark.version)
    if not same:
        return None
    stimuli = benchmark.stimulus_set
    same_data = (record.stimulus_set.id == stimuli.identifier
                 and record.stimulus_set.fingerprint == stimuli.fingerprint()
                 and record.data_checksums == dict(benchmark.data_checksums()))
    return path if same_data else None


def score_and_write(benchmark: Benchmark, activations: StimulusActivations, model: ModelRef,
                    output_dir: Path, device: str, extraction_time: float | None) -> RunOutcome:
    """Score one benchmark on activations in hand and write its record atomically.

    Raises:
        ScoreNotFiniteError: the score's ``raw`` is NaN or infinite (no record is written).
    """
    start = time.perf_counter()
    with guarded(f"benchmark {benchmark.identifier!r}"):
        score: Score = benchmark(activations)
    wall = time.perf_counter() - start
    raw = float(score.raw)
    if not math.isfinite(raw):
        reason = score.details.get("reason") if isinstance(score.details, dict) else None
        raise ScoreNotFiniteError(
            f"{model.id} on {benchmark.identifier}: the score is {raw}, not a number"
            + (f" ({reason})" if reason else "") + "; no record written")
    stimuli = benchmark.stimulus_set
    record = ScoreRecord(
        benchmark=BenchmarkRef(id=benchmark.identifier, version=benchmark.version,
                               simulated=bool(getattr(benchmark, "simulated", False))),
        model=model,
        stimulus_set=StimulusSetRef(id=stimuli.identifier, fingerprint=stimuli.fingerprint(),
                                    n_stimuli=len(stimuli)),
        raw=raw,
        ceiled=score.ceiled,
        ceiling=score.ceiling,
        error=score.error,
        per_subject=to_jsonable(score.per_subject),
        per_layer=to_jsonable(score.per_layer),
        chosen_layers=list(score.chosen_layers),
        layers_scored=list(activations.layer_names),
        pooling=activations.pooling,
        parameters=to_jsonable(benchmark.parameters()),
        data_checksums=dict(benchmark.data_checksums()),
        details=to_jsonable(score.details),
        provenance=Provenance(
            package_version=package_version(), git_commit=git_commit(),
            platform=platform_summary(), device=device, timestamp=datetime.now(timezone.utc),
            wall_time_s=round(wall, 3),
            extraction_time_s=None if extraction_time is None else round(extraction_time, 3)),
    )
    path = write_record(record, output_dir, score.artefacts or None)
    return RunOutcome(model.id, benchmark.identifier, "scored", path, record.raw)
