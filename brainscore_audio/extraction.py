"""Running a model over a stimulus set: batching, resampling, checks, pooling, caching."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import progress as progress_bars
from .activations import StimulusActivations, pool_frames, values_problem
from .cache import ActivationCache
from .errors import UserError
from .model import Activations, AudioModel
from .stimuli import StimulusSet

DEFAULT_BATCH_SIZE = 16
DEFAULT_CHUNK_SIZE = 64


def extract(
    model: AudioModel,
    stimulus_set: StimulusSet,
    layers: Sequence[str] | None = None,
    pooling: str = "mean",
    cache: ActivationCache | None = None,
    device: str = "cpu",
    batch_size: int = DEFAULT_BATCH_SIZE,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> StimulusActivations:
    """Activations of ``layers`` (default: the model's default layers) over a stimulus set.

    Layers already in the cache are read, not recomputed; the rest are extracted in one pass over
    the stimuli, in chunks of ``chunk_size`` stimuli that are saved as they finish, so a killed
    run resumes at the first unfinished chunk. Within a chunk, clips of equal length are embedded
    together in batches of up to ``batch_size`` (no padding, which would change the outputs).

    Returns:
        :class:`StimulusActivations` in the stimulus set's order.
    Raises:
        UserError: unknown layer names, or model outputs with the wrong shape or NaN values.
    """
    layers = list(model.default_layers if layers is None else layers)
    unknown = [name for name in layers if name not in model.layers]
    if unknown:
        raise UserError(f"model {model.identifier!r} has no layer(s) {', '.join(unknown)}; "
                        f"its layers are {', '.join(model.layers)}")
    ids = stimulus_set.ids
    entry = None
    if cache is not None:
        entry = cache.entry(model.identifier, model.version, stimulus_set.identifier,
                            stimulus_set.fingerprint(), pooling)
    cached = set(entry.cached_layers(ids)) if entry is not None else set()
    missing = [name for name in layers if name not in cached]
    values: dict[str, np.ndarray | list[np.ndarray]] = {}
    hops: dict[str, float | None] = {}
    if missing:
        new_values, new_hops = _run_model(model, stimulus_set, missing, pooling, entry, device,
                                          batch_size, chunk_size, progress)
        values.update(new_values)
        hops.update(new_hops)
    for name in layers:
        if name in cached:
            values[name], hops[name] = entry.load_layer(name)
    return StimulusActivations(
        stimulus_ids=list(ids), layers={name: values[name] for name in layers}, pooling=pooling,
        hop_seconds={name: hops[name] for name in layers}, model_id=model.identifier,
        model_version=str(model.version),
    )


def _run_model(model, stimulus_set, layers, pooling, entry, device, batch_size, chunk_size,
               progress):
    n = len(stimulus_set)
    done = entry.load_chunks(layers, chunk_size) if entry is not None else {}
    starts = range(0, n, chunk_size)
    per_layer: dict[str, list[np.ndarray]] = {name: [None] * n for name in layers}
    hops: dict[str, float | None] = {}
    for start, chunk in done.items():
        for name in layers:
            per_layer[name][start:start + len(chunk["layers"][name])] = chunk["layers"][name]
        hops.update(chunk["hops"])
    todo = [s for s in starts if s not in done]
    finished = sum(min(chunk_size, n - s) for s in done)
    with progress_bars.bar(total=n, initial=finished, unit="clip", show=progress and bool(todo),
                           desc=f"{model.identifier} on {stimulus_set.identifier}") as bar:
        if todo:
            model.load(device)
        for start in todo:
            indices = list(range(start, min(start + chunk_size, n)))
            chunk_values, chunk_hops = _embed_chunk(model, stimulus_set, indices, layers,
                                                    pooling, batch_size, bar)
            for name in layers:
                per_layer[name][start:start + len(indices)] = chunk_values[name]
            hops.update(chunk_hops)
            if entry is not None:
                entry.save_chunk(layers, chunk_size, start, chunk_values, chunk_hops)
    values = {name: (np.stack([np.reshape(a, -1) for a in items]) if pooling == "mean"
                     else list(items))
              for name, items in per_layer.items()}
    if entry is not None:
        entry.save_layers(values, hops, stimulus_set.ids, {
            "model_id": model.identifier, "model_version": str(model.version),
            "checkpoint": model.checkpoint, "stimulus_set": stimulus_set.identifier,
            "fingerprint": stimulus_set.fingerprint()})
        entry.clear_chunks(layers, chunk_size)
    return values, hops


def _embed_chunk(model, stimulus_set, indices, layers, pooling, batch_size, bar):
    audio = {i: stimulus_set.audio(i, model.sample_rate) for i in indices}
    by_length: dict[int, list[int]] = {}
    for i in indices:
        by_length.setdefault(len(audio[i]), []).append(i)
    results: dict[int, dict[str, np.ndarray]] = {}
    hops: dict[str, float | None] = {}
    for group in by_length.values():
        for offset in range(0, len(group), batch_size):
            batch = group[offset:offset + batch_size]
            outputs = model.embed(np.stack([audio[i] for i in batch]), layers)
            for name in layers:
                activations = _checked(model, name, outputs, batch, stimulus_set)
                hops[name] = activations.hop_seconds
                pooled = pool_frames(activations.values, pooling)
                for row, i in enumerate(batch):
                    results.setdefault(i, {})[name] = pooled[row]
            bar.update(len(batch))
    return {name: [results[i][name] for i in indices] for name in layers}, hops


def _checked(model: AudioModel, layer: str, outputs: dict, batch: list[int],
             stimulus_set: StimulusSet) -> Activations:
    """Check one layer's output of ``embed``; raise a one-line UserError naming the problem."""
    where = f"model {model.identifier!r}, layer {layer!r}"
    if layer not in outputs:
        raise UserError(f"{where}: embed() did not return this requested layer")
    activations = outputs[layer]
    values = getattr(activations, "values", None)
    if not isinstance(values, np.ndarray) or values.ndim != 3 or values.shape[0] != len(batch):
        shape = getattr(values, "shape", type(values).__name__)
        raise UserError(f"{where}: expected an array (batch={len(batch)}, frames, dim), got {shape}")
    if values.shape[1] == 0:
        raise UserError(f"{where}: returned 0 frames for {stimulus_set.ids[batch[0]]}")
    problem = values_problem(values)
    if problem is not None:
        raise UserError(f"{where}: embed() output {problem}")
    if not np.all(np.isfinite(values)):
        bad = [stimulus_set.ids[batch[r]] for r in range(len(batch))
               if not np.all(np.isfinite(values[r]))]
        raise UserError(f"{where}: NaN or infinite activations for stimulus {bad[0]}")
    return activations
