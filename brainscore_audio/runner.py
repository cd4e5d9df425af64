"""Scoring models on benchmarks: the harness behind ``benchmark run``.

Benchmarks sharing a stimulus set and pooling get their activations from one extraction.
A record already in the output folder for the same model and benchmark versions is not
recomputed (use ``force``), so a killed run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import registry, settings
from .activations import StimulusActivations, load_precomputed
from .benchmark import Benchmark, Score
from .cache import ActivationCache
from .errors import UserError
from .extraction import DEFAULT_BATCH_SIZE, extract
from .model import AudioModel
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
    status: str  # "scored", "skipped" (record exists) or "failed"
    path: Path | None = None
    raw: float | None = None
    message: str = ""


def check_device(device: str) -> str:
    """Validate ``--device``: ``cpu`` or ``cuda`` (only if a CUDA device is present)."""
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise UserError(f"--device must be cpu or cuda, got {device!r}")
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise UserError("--device cuda requested but no CUDA device is available "
                            "(torch.cuda.is_available() is False)")
    return device


def make_benchmarks(ids: Sequence[str], data_dir: Path | None) -> list[Benchmark]:
    """Build benchmarks by id (data loads lazily, on first use)."""
    return [registry.benchmarks.make(i, data_dir=data_dir) for i in ids]


def existing_record(output_dir: Path, model: ModelRef, benchmark: Benchmark) -> Path | None:
    """Path of a valid record for the same model version and benchmark version, if any."""
    path = output_dir / f"{record_stem(model.id, benchmark.identifier)}.json"
    if not path.is_file():
        return None
    try:
        record = read_record(path)
    except UserError:
        return None
    same = (record.model.version == model.version and record.model.checkpoint == model.checkpoint
            and record.benchmark.version == benchmark.version)
    return path if same else None


def score_and_write(benchmark: Benchmark, activations: StimulusActivations, model: ModelRef,
                    output_dir: Path, device: str, extraction_time: float | None) -> RunOutcome:
    """Score one benchmark on activations in hand and write its record atomically."""
    start = time.perf_counter()
    score: Score = benchmark(activations)
    wall = time.perf_counter() - start
    stimuli = benchmark.stimulus_set
    record = ScoreRecord(
        benchmark=BenchmarkRef(id=benchmark.identifier, version=benchmark.version),
        model=model,
        stimulus_set=StimulusSetRef(id=stimuli.identifier, fingerprint=stimuli.fingerprint(),
                                    n_stimuli=len(stimuli)),
        raw=float(score.raw),
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


def run_models(
    model_ids: Sequence[str],
    benchmark_ids: Sequence[str],
    output_dir: str | Path,
    data_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    device: str = "cpu",
    batch_size: int = DEFAULT_BATCH_SIZE,
    force: bool = False,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> list[RunOutcome]:
    """Score each model on each benchmark; returns one outcome per pair.

    Unknown ids fail before any work starts. A pair whose record exists (same versions) is
    skipped unless ``force``.
    """
    output_dir = Path(output_dir)
    device = check_device(device)
    data_root = settings.data_dir(data_dir)
    benchmarks = make_benchmarks(benchmark_ids, data_root)
    models = {model_id: registry.models.make(model_id) for model_id in model_ids}
    cache = ActivationCache(settings.cache_dir(cache_dir))
    outcomes: list[RunOutcome] = []
    for model_id, model in models.items():
        ref = _model_ref(model)
        pending = []
        for benchmark in benchmarks:
            path = None if force else existing_record(output_dir, ref, benchmark)
            if path is not None:
                log(f"skip  {model_id} on {benchmark.identifier}: record exists ({path})")
                outcomes.append(RunOutcome(model_id, benchmark.identifier, "skipped", path,
                                           read_record(path).raw))
            else:
                pending.append(benchmark)
        for group in _group_by_stimuli(pending):
            extraction_start = time.perf_counter()
            activations = extract(model, group[0].stimulus_set, model.default_layers,
                                  group[0].pooling, cache, device, batch_size, progress=progress)
            extraction_time = time.perf_counter() - extraction_start
            for benchmark in group:
                benchmark.device = device
                outcome = score_and_write(benchmark, activations, ref, output_dir, device,
                                          extraction_time)
                log(f"score {model_id} on {benchmark.identifier}: raw {outcome.raw:.4f} "
                    f"-> {outcome.path}")
                outcomes.append(outcome)
    return outcomes


def run_precomputed(
    activations_path: str | Path,
    stimulus_set_id: str,
    benchmark_ids: Sequence[str],
    output_dir: str | Path,
    data_dir: str | Path | None = None,
    model_id: str | None = None,
    log: Callable[[str], None] = print,
) -> list[RunOutcome]:
    """Score activations extracted elsewhere (an ``.npz``, see
    :func:`~brainscore_audio.activations.load_precomputed`) on benchmarks of one stimulus set."""
    activations_path = Path(activations_path)
    output_dir = Path(output_dir)
    data_root = settings.data_dir(data_dir)
    registry.stimulus_sets.entry(stimulus_set_id)  # unknown id -> close matches
    benchmarks = make_benchmarks(benchmark_ids, data_root)
    if not activations_path.is_file():
        raise UserError(f"{activations_path}: activations file not found")
    digest = hashlib.sha256(activations_path.read_bytes()).hexdigest()
    ref = ModelRef(id=model_id or f"precomputed:{activations_path.stem}", version=digest[:16],
                   checkpoint=f"sha256:{digest}", source="precomputed")
    outcomes = []
    for benchmark in benchmarks:
        stimuli = benchmark.stimulus_set
        if stimuli.identifier != stimulus_set_id:
            raise UserError(f"benchmark {benchmark.identifier} uses stimulus set "
                            f"{stimuli.identifier!r}, not --stimulus-set {stimulus_set_id!r}")
        activations = load_precomputed(activations_path, stimuli.ids, benchmark.pooling)
        outcome = score_and_write(benchmark, activations, ref, output_dir, "n/a (precomputed)",
                                  None)
        log(f"score {ref.id} on {benchmark.identifier}: raw {outcome.raw:.4f} -> {outcome.path}")
        outcomes.append(outcome)
    return outcomes


def _model_ref(model: AudioModel) -> ModelRef:
    return ModelRef(id=model.identifier, version=str(model.version), checkpoint=model.checkpoint)


def _group_by_stimuli(benchmarks: list[Benchmark]) -> list[list[Benchmark]]:
    """Benchmarks grouped by (stimulus set content, pooling), first-seen order."""
    groups: dict[tuple[str, str, str], list[Benchmark]] = {}
    for benchmark in benchmarks:
        stimuli = benchmark.stimulus_set
        key = (stimuli.identifier, stimuli.fingerprint(), benchmark.pooling)
        groups.setdefault(key, []).append(benchmark)
    return list(groups.values())
