"""The plan of a run: extraction and scoring jobs with their dependencies and states.

``benchmark run --model A B --benchmark X Y`` becomes, per model, one *extract* job per group of
benchmarks sharing a stimulus set (content fingerprint) and pooling, and one *score* job per
(model, benchmark) that depends on its group's extraction. Jobs carry ids and paths only, so
they pickle to any worker; the worker rebuilds models and benchmarks from the registries.

A job whose output already exists (a record that can stand for the pair, see
:func:`~brainscore_audio.scoring.existing_record`; an activation cache entry holding every layer)
starts in state ``exists`` and is not run. The plan
and every state change are written atomically to ``<output>/.run/plan.json``; ``--resume``
reads it back and re-plans the same models, benchmarks and settings.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import atomic, registry, settings
from ..benchmark import Benchmark
from ..cache import ActivationCache
from ..errors import UserError
from ..model import AudioModel
from ..records import read_record
from ..scoring import existing_record, model_ref

PLAN_FILE = Path(".run") / "plan.json"
PLAN_FORMAT = 1
STATES = ("pending", "running", "done", "exists", "failed", "skipped")
SUCCEEDED = ("done", "exists")
FINISHED = ("done", "exists", "failed", "skipped")


@dataclass(frozen=True)
class RunSettings:
    """What every job needs besides its own ids (plain strings, so it pickles anywhere).

    Attributes:
        output_dir: absolute folder of the score records (shared by every worker).
        data_dir / cache_dir: absolute folders given by the user, or ``None``: then each process
            resolves ``$BRAINSCORE_AUDIO_DATA`` / ``$BRAINSCORE_AUDIO_CACHE`` (or the default).
        device: ``cpu`` or ``cuda[:N]`` for extraction (and for benchmarks with ``uses_device``).
        batch_size: clips per ``embed`` call.
        force: recompute records that exist.
        progress: per-clip progress bars inside extraction jobs (in-process runs only).
        token: unique per run; scopes the per-process reuse of built models and benchmarks.
    """

    output_dir: str
    data_dir: str | None
    cache_dir: str | None
    device: str = "cpu"
    batch_size: int = 16
    force: bool = False
    progress: bool = False
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class JobSpec:
    """One job's identity: what to compute. ``kind`` is ``"extract"`` or ``"score"``.

    An extract job embeds the stimulus set of ``benchmark_id`` (the first benchmark of its group)
    with ``layers`` and ``pooling`` into the activation cache; a score job scores
    ``benchmark_id`` on those cached activations and writes the record. ``benchmark_source`` is
    the id the benchmark is built from (usually ``benchmark_id``; ``task:<folder>`` for a
    ``--task-dir``); ``model_source`` the id the model is built from (``model_id`` is the model's
    own identifier, which says ``+random-weights`` when the run builds it that way).
    """

    id: str
    kind: str
    model_id: str
    model_source: str
    model_version: str
    checkpoint: str | None
    benchmark_id: str
    benchmark_source: str
    stimulus_set: str
    fingerprint: str
    pooling: str
    layers: tuple[str, ...]
    depends_on: tuple[str, ...] = ()
    gpu: bool = False


@dataclass
class JobState:
    """Where a job stands; ``message`` holds the error of a failed job or why one was skipped."""

    state: str = "pending"
    message: str = ""
    record: str | None = None
    raw: float | None = None
    seconds: float | None = None
    worker: str | None = None
    traceback: str | None = None


@dataclass
class Plan:
    """Jobs in run order (per model: an extraction, then the score jobs that need it)."""

    models: list[str]
    benchmarks: list[str]
    settings: RunSettings
    specs: dict[str, JobSpec]
    states: dict[str, JobState]
    # Built objects of the planning process, reused by the in-process executor (not saved).
    built_models: dict[str, AudioModel] = field(default_factory=dict, repr=False)
    built_benchmarks: dict[str, Benchmark] = field(default_factory=dict, repr=False)

    @property
    def path(self) -> Path:
        return plan_path(self.settings.output_dir)

    def counts(self) -> dict[str, int]:
        """``{state: number of jobs}`` for every state in :data:`STATES`."""
        counts = dict.fromkeys(STATES, 0)
        for state in self.states.values():
            counts[state.state] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_format": PLAN_FORMAT,
            "updated": datetime.now(timezone.utc).isoformat(),
            "models": self.models,
            "benchmarks": self.benchmarks,
            "settings": {k: v for k, v in asdict(self.settings).items() if k != "token"},
            "counts": self.counts(),
            "jobs": [asdict(spec) | asdict(self.states[job_id])
                     for job_id, spec in self.specs.items()],
        }

    def save(self) -> None:
        """Write the plan and job states to :attr:`path` atomically."""
        atomic.write_json(self.path, self.to_json())


def plan_path(output_dir: str | Path) -> Path:
    return Path(output_dir) / PLAN_FILE


def read_plan_file(output_dir: str | Path) -> dict[str, Any]:
    """The saved plan of an output folder, for ``--resume``; a clear error when absent/bad."""
    path = plan_path(output_dir)
    if not path.is_file():
        raise UserError(f"{path}: no plan to resume (run once without --resume; the plan is "
                        "written to the output folder)")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("plan_format") != PLAN_FORMAT:
            raise ValueError(f"plan_format {saved.get('plan_format')!r}, expected {PLAN_FORMAT}")
        saved["models"], saved["benchmarks"], saved["settings"]  # noqa: B018 (presence check)
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: not a readable plan file ({exc})") from exc
    return saved


def build_plan(
    model_ids: Sequence[str],
    benchmark_ids: Sequence[str],
    run: RunSettings,
    *,
    done_before: Sequence[str] = (),
) -> Plan:
    """Plan every (model, benchmark) pair; unknown ids fail here, before any work starts.

    Args:
        run: the run's settings (``output_dir`` absolute).
        done_before: ids of jobs a resumed plan had finished; with ``force`` their records count
            as done instead of being recomputed again.
    Returns:
        A :class:`Plan`; jobs whose outputs exist are in state ``exists``.
    """
    data_root = settings.data_dir(run.data_dir)
    benchmarks = {i: registry.benchmarks.make(i, data_dir=data_root) for i in benchmark_ids}
    models = {i: registry.models.make(i) for i in model_ids}
    cache = ActivationCache(settings.cache_dir(run.cache_dir))
    output = Path(run.output_dir)
    specs: dict[str, JobSpec] = {}
    states: dict[str, JobState] = {}

    sources: dict[str, str] = {}
    for source, benchmark in benchmarks.items():
        if sources.setdefault(benchmark.identifier, source) != source:
            raise UserError(f"benchmarks {sources[benchmark.identifier]} and {source} are both "
                            f"{benchmark.identifier!r}; their records would overwrite each other")
    for model_id, model in models.items():
        ref = model_ref(model)
        layers = tuple(model.default_layers)
        groups: dict[tuple[str, str, str], list[Benchmark]] = {}
        pending: list[tuple[Benchmark, tuple[str, str, str]]] = []
        for benchmark in benchmarks.values():
            score_id = f"score {model_id} on {benchmark.identifier}"
            path = existing_record(output, _known_checkpoint(ref, cache, benchmark), benchmark)
            if path is not None and (not run.force or score_id in done_before):
                specs[score_id] = _spec(score_id, "score", ref, model_id, benchmark, sources,
                                        layers, (), False)
                states[score_id] = JobState("exists", "record exists", str(path),
                                            read_record(path).raw)
                continue
            stimuli = benchmark.stimulus_set
            key = (stimuli.identifier, stimuli.fingerprint(), benchmark.pooling)
            groups.setdefault(key, []).append(benchmark)
            pending.append((benchmark, key))
        extract_ids = {}
        for key, group in groups.items():
            stimulus_id, fingerprint, pooling = key
            extract_id = f"extract {model_id} on {stimulus_id}[{fingerprint[:8]}] ({pooling})"
            extract_ids[key] = extract_id
            specs[extract_id] = _spec(extract_id, "extract", ref, model_id, group[0], sources,
                                      layers, (), run.device.startswith("cuda"))
            entry = cache.entry(ref.id, ref.version, stimulus_id, fingerprint, pooling)
            cached = set(entry.cached_layers(group[0].stimulus_set.ids))
            states[extract_id] = (JobState("exists", "activations cached")
                                  if cached.issuperset(layers) else JobState())
            for benchmark in group:
                score_id = f"score {model_id} on {benchmark.identifier}"
                gpu = run.device.startswith("cuda") and getattr(benchmark, "uses_device", False)
                specs[score_id] = _spec(score_id, "score", ref, model_id, benchmark, sources,
                                        layers, (extract_id,), gpu)
                states[score_id] = JobState()
    return Plan(list(model_ids), list(benchmark_ids), run, specs, states, models, benchmarks)


def _known_checkpoint(ref, cache: ActivationCache, benchmark: Benchmark):
    """``ref`` with the checkpoint its cached activations were computed with, when the model
    only knows it after loading (a download whose hash is not published): the record of an
    earlier run holds that one."""
    if ref.checkpoint is not None:
        return ref
    stimuli = benchmark.stimulus_set
    entry = cache.entry(ref.id, ref.version, stimuli.identifier, stimuli.fingerprint(),
                        benchmark.pooling)
    cached = entry.meta().get("checkpoint")
    return ref if cached is None else ref.model_copy(update={"checkpoint": cached})


def _spec(job_id: str, kind: str, ref, model_source: str, benchmark: Benchmark,
          sources: dict[str, str], layers: tuple[str, ...], depends_on: tuple[str, ...],
          gpu: bool) -> JobSpec:
    stimuli = benchmark.stimulus_set
    return JobSpec(
        id=job_id, kind=kind, model_id=ref.id, model_source=model_source,
        model_version=ref.version,
        checkpoint=ref.checkpoint, benchmark_id=benchmark.identifier,
        benchmark_source=sources[benchmark.identifier],
        stimulus_set=stimuli.identifier if stimuli is not None else "",
        fingerprint=stimuli.fingerprint() if stimuli is not None else "",
        pooling=benchmark.pooling, layers=layers, depends_on=depends_on, gpu=gpu)
