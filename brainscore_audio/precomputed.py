"""Scoring activations extracted elsewhere (``benchmark run --activations``): no model plugin,
the record's model is the file (its sha256 is version and checkpoint)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from . import registry, settings
from .activations import load_precomputed
from .errors import UserError
from .records import ModelRef
from .scoring import RunOutcome, score_and_write


def run_precomputed(
    activations_path: str | Path,
    stimulus_set_id: str | None,
    benchmark_ids: Sequence[str],
    output_dir: str | Path,
    data_dir: str | Path | None = None,
    model_id: str | None = None,
    log: Callable[[str], None] = print,
) -> list[RunOutcome]:
    """Score activations extracted elsewhere (an ``.npz``, see
    :func:`~brainscore_audio.activations.load_precomputed`) on benchmarks of one stimulus set
    (``stimulus_set_id``; None: each benchmark's own, e.g. a ``--task`` source the file was
    extracted from)."""
    activations_path = Path(activations_path)
    output_dir = Path(output_dir)
    data_root = settings.data_dir(data_dir)
    if stimulus_set_id is not None:
        registry.stimulus_sets.entry(stimulus_set_id)  # unknown id -> close matches
    benchmarks = [registry.benchmarks.make(i, data_dir=data_root) for i in benchmark_ids]
    if not activations_path.is_file():
        raise UserError(f"{activations_path}: activations file not found")
    digest = hashlib.sha256(activations_path.read_bytes()).hexdigest()
    ref = ModelRef(id=model_id or f"precomputed:{activations_path.stem}", version=digest[:16],
                   checkpoint=f"sha256:{digest}", source="precomputed")
    outcomes = []
    for benchmark in benchmarks:
        stimuli = benchmark.stimulus_set
        if stimulus_set_id is not None and stimuli.identifier != stimulus_set_id:
            raise UserError(f"benchmark {benchmark.identifier} uses stimulus set "
                            f"{stimuli.identifier!r}, not --stimulus-set {stimulus_set_id!r}")
        activations = load_precomputed(activations_path, stimuli.ids, benchmark.pooling)
        outcome = score_and_write(benchmark, activations, ref, output_dir, "n/a (precomputed)",
                                  None)
        log(f"score {ref.id} on {benchmark.identifier}: raw {outcome.raw:.4f} -> {outcome.path}")
        outcomes.append(outcome)
    return outcomes
