"""The Python API for notebooks and scripts: score a model on a benchmark, extract activations
over your own audio, and read records as a pandas DataFrame.

>>> import brainscore_audio as bsa
>>> record = bsa.score("logmel", "demo.rsa")                    # a ScoreRecord
>>> acts = bsa.extract("logmel", "my_sounds/", output="acts.npz")
>>> frame = bsa.records_frame("scores/")                        # one row per record

Every function takes ids as the CLI does (``benchmark list models``) and raises
:class:`~brainscore_audio.errors.UserError` with one line for a user mistake.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .activations import StimulusActivations, save_precomputed
from .extraction import DEFAULT_BATCH_SIZE
from .model import AudioModel
from .records import ScoreRecord, read_record
from .stimuli import StimulusSet


def score(model: str, benchmark: str, *, output: str | Path | None = None,
          data_dir: str | Path | None = None, cache_dir: str | Path | None = None,
          device: str = "cpu", force: bool = False, progress: bool = True) -> ScoreRecord:
    """Score one model on one benchmark, as ``benchmark run --model MODEL --benchmark BENCHMARK``.

    Args:
        model, benchmark: registered ids (``hf:<repo>`` and ``task:<folder>`` families too).
        output: folder for the record (kept, and reused by the next call when nothing it
            depends on changed); None scores into a temporary folder.
    Returns:
        the :class:`~brainscore_audio.records.ScoreRecord` (``.raw``, ``.ceiled``, ...).
    """
    from .runner import run_models

    with tempfile.TemporaryDirectory(prefix="brainscore-audio-") as scratch:
        folder = Path(output) if output is not None else Path(scratch)
        (outcome,) = run_models([model], [benchmark], folder, data_dir, cache_dir, device,
                                force=force, progress=progress, log=lambda _line: None)
        return read_record(outcome.path)


def extract(model: str | AudioModel, stimuli: str | StimulusSet,
            layers: Sequence[str] | None = None, pooling: str = "mean", cache: Any = "default",
            device: str = "cpu", batch_size: int = DEFAULT_BATCH_SIZE, progress: bool = True, *,
            output: str | Path | None = None, data_dir: str | Path | None = None,
            cache_dir: str | Path | None = None, **options: Any) -> StimulusActivations:
    """A model's activations over a stimulus set or SOURCE of audio.

    Args:
        model: a model id or an :class:`AudioModel`.
        stimuli: a :class:`StimulusSet` or a SOURCE string: a folder of audio files, an
            audiofolder, ``hf:<dataset>[:<config>[:<split>]]`` or a stimulus-set id
            (:mod:`brainscore_audio.sources`).
        layers: default the model's default layers.
        cache: an :class:`~brainscore_audio.cache.ActivationCache`, ``"default"`` (the cache
            folder: ``cache_dir``, ``$BRAINSCORE_AUDIO_CACHE`` or the user cache) or None.
        output: also write the activations to this ``.npz`` (what ``benchmark run
            --activations`` reads); pooled activations only.
    Returns:
        :class:`StimulusActivations`: ``stimulus_ids`` and ``layers`` ``{name: (n, dim)}``.
    """
    from . import registry, settings
    from .cache import ActivationCache
    from .extraction import extract as run_extraction
    from .sources import open_source

    if isinstance(model, str):
        model = registry.models.make(model)
    if isinstance(stimuli, str | Path):
        stimuli = open_source(str(stimuli), data_dir=settings.data_dir(data_dir))
    if isinstance(cache, str) and cache == "default":
        cache = ActivationCache(settings.cache_dir(cache_dir))
    activations = run_extraction(model, stimuli, layers=layers, pooling=pooling, cache=cache,
                                 device=device, batch_size=batch_size, progress=progress,
                                 **options)
    if output is not None:
        save_precomputed(activations, output)
    return activations


RECORD_COLUMNS = ("model", "model_version", "checkpoint", "benchmark", "benchmark_version",
                  "simulated", "raw", "ceiled", "ceiling", "error", "n_stimuli",
                  "chosen_layers", "device", "timestamp")


def records_frame(records: str | Path | Iterable[ScoreRecord | str | Path] | Any):
    """Score records as a pandas DataFrame, one row per record (:data:`RECORD_COLUMNS`).

    Args:
        records: a folder of records (``scores/``), a leaderboard file or
            :class:`~brainscore_audio.leaderboard.Leaderboard`, or an iterable of records or
            record files.
    """
    from .optional import require

    pandas = require("pandas", "records_frame (records as a DataFrame)")
    rows = [_row(record) for record in _records(records)]
    return pandas.DataFrame(rows, columns=list(RECORD_COLUMNS))


def _records(source) -> list[ScoreRecord]:
    from . import leaderboard
    from .errors import UserError

    if isinstance(source, leaderboard.Leaderboard):
        return [r for m in source.models.values() for r in m.scores.values()]
    if isinstance(source, str | Path):
        path = Path(source)
        if path.is_dir():
            return leaderboard.read_scores(path)
        if path.is_file():
            return _records(leaderboard.load(path))
        raise UserError(f"{path}: no such folder of records or leaderboard file")
    return [item if isinstance(item, ScoreRecord) else read_record(item) for item in source]


def _row(record: ScoreRecord) -> dict[str, Any]:
    return {"model": record.model.id, "model_version": record.model.version,
            "checkpoint": record.model.checkpoint, "benchmark": record.benchmark.id,
            "benchmark_version": record.benchmark.version,
            "simulated": record.benchmark.simulated, "raw": record.raw,
            "ceiled": record.ceiled, "ceiling": record.ceiling, "error": record.error,
            "n_stimuli": record.stimulus_set.n_stimuli,
            "chosen_layers": ", ".join(record.chosen_layers),
            "device": record.provenance.device, "timestamp": record.provenance.timestamp}
