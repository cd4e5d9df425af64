"""Scoring models on benchmarks: the harness behind ``benchmark run``.

Benchmarks sharing a stimulus set and pooling get their activations from one extraction.
A record already in the output folder is reused only when everything it depends on is the same
(model version and checkpoint, benchmark version, stimulus-set fingerprint, data checksums);
otherwise it is recomputed (``force`` recomputes regardless), so a killed run resumes where it
stopped. A pair whose score is not a finite number gets no record: it fails with one line.
The work is a plan of extraction and scoring jobs run by an executor
(:mod:`brainscore_audio.executors`): in this
process by default, or on a Dask cluster.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import registry, settings
from .activations import StimulusActivations, load_precomputed
from .benchmark import Benchmark, Score
from .errors import UserError
from .extraction import DEFAULT_BATCH_SIZE
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


def check_device_name(device: str) -> str:
    """Validate the spelling of ``--device``: ``cpu``, ``cuda`` or ``cuda:N``."""
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise UserError(f"--device must be cpu or cuda, got {device!r}")
    return device


def check_device(device: str) -> str:
    """Validate ``--device``: ``cpu`` or ``cuda`` (only if a CUDA device is present here)."""
    check_device_name(device)
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise UserError("--device cuda requested but no CUDA device is available "
                            "(torch.cuda.is_available() is False)")
    return device


def make_benchmarks(ids: Sequence[str], data_dir: Path | None) -> list[Benchmark]:
    """Build benchmarks by id (data loads lazily, on first use)."""
    return [registry.benchmarks.make(i, data_dir=data_dir) for i in ids]


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
    *,
    executor=None,
    keep_going: bool = False,
    resume: bool = False,
) -> list[RunOutcome]:
    """Score each model on each benchmark; returns one outcome per pair.

    The pairs become a plan of jobs (:mod:`brainscore_audio.executors`): per model one
    extraction per stimulus set and pooling, then one scoring job per benchmark. Unknown ids fail
    before any work starts. A pair whose record exists (same versions) is skipped unless
    ``force``; cached activations are not recomputed. The plan and its job states are saved in
    ``<output_dir>/.run/plan.json``.

    Args:
        executor: where jobs run: ``None`` in this process (the default), or e.g. a
            :class:`~brainscore_audio.executors.dask_executor.DaskExecutor` (it is closed at the
            end). Every executor runs the same job functions.
        keep_going: ``False`` raises the first job's error (after saving the plan file);
            ``True`` reports failed jobs as outcomes with status ``"failed"``, marks the score
            jobs of a failed extraction ``"skipped"`` and runs everything else.
        resume: continue the plan saved in ``output_dir``: with ``force``, records the saved
            plan had finished are kept instead of being recomputed again.
    """
    from .executors import LocalExecutor, RunSettings, build_plan, execute, read_plan_file

    local = executor is None or isinstance(executor, LocalExecutor)
    try:
        # In-process, the output folder stays as given; workers elsewhere need absolute paths.
        output_dir = Path(output_dir) if local else Path(output_dir).absolute()
        device = check_device(device) if local else check_device_name(device)
        done_before = []
        if resume:
            saved = read_plan_file(output_dir)
            done_before = [job["id"] for job in saved.get("jobs", [])
                           if job.get("state") in ("done", "exists")]
        run = RunSettings(output_dir=str(output_dir), data_dir=_absolute(data_dir),
                          cache_dir=_absolute(cache_dir), device=device, batch_size=batch_size,
                          force=force, progress=progress and local)
        plan = build_plan(model_ids, benchmark_ids, run, done_before=done_before)
    except BaseException:
        if executor is not None:  # e.g. a cluster started for this run
            executor.close()
        raise
    execute(plan, executor or LocalExecutor(), log=log, progress=progress, keep_going=keep_going)
    return plan_outcomes(plan)


def plan_outcomes(plan) -> list[RunOutcome]:
    """One :class:`RunOutcome` per (model, benchmark) pair of a finished plan, in plan order."""
    statuses = {"done": "scored", "exists": "skipped", "failed": "failed", "skipped": "skipped",
                "pending": "skipped", "running": "failed"}
    outcomes = []
    for job_id, spec in plan.specs.items():
        if spec.kind != "score":
            continue
        state = plan.states[job_id]
        outcomes.append(RunOutcome(spec.model_id, spec.benchmark_id, statuses[state.state],
                                   Path(state.record) if state.record else None, state.raw,
                                   state.message))
    return outcomes


def _absolute(path: str | Path | None) -> str | None:
    return None if path is None else str(Path(path).expanduser().absolute())


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


def model_ref(model: AudioModel) -> ModelRef:
    """What a record says about a (constructed) model: id, version and checkpoint."""
    return ModelRef(id=model.identifier, version=str(model.version), checkpoint=model.checkpoint)
