"""Conformance check of a model plugin (what ``benchmark validate`` runs on a submission).

Every problem is one actionable line; an empty list means the plugin conforms.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import registry
from .activations import values_problem
from .errors import UserError
from .model import Activations, AudioModel, random_weights_identifier, random_weights_requested
from .plugin_calls import PluginError, guarded

CLIP_SECONDS = (0.5, 1.0, 2.5)


def models_in(target: str) -> list[str]:
    """Model ids registered by a plugin folder, or ``[target]`` if it is a model id."""
    path = Path(target)
    if path.is_dir():
        resolved = path.resolve()
        registry.discover_plugins()
        ids = [i for i, e in registry.models.entries.items() if e.plugin_dir == resolved]
        if not ids:
            before = set(registry.models.entries)
            registry.import_plugin_folder(resolved)
            ids = [i for i in registry.models.entries if i not in before]
        if not ids:
            raise UserError(f"{target}: the folder's __init__.py registers no model "
                            "(expected models.register(\"<id>\", <AudioModel subclass>))")
        return sorted(ids)
    registry.models.entry(target)  # unknown id -> close matches
    return [target]


def validate_model(model_id: str, device: str = "cpu",
                   clip_seconds: Sequence[float] = CLIP_SECONDS) -> list[str]:
    """Check one registered model against the plugin interface; returns the problems found.

    ``clip_seconds``: lengths of the test clips (2 clips each); shorter ones make a quick check
    of a model that is slow on CPU (the first length is also used for the checks of repeated
    calls: determinism, a second call that fails, and outputs that depend on the batch).

    A plugin that exits or raises ``KeyboardInterrupt`` gets a problem line like any failure.
    """
    problems: list[str] = []
    clip_seconds = tuple(clip_seconds)
    if not clip_seconds or not all(math.isfinite(s) and s > 0 for s in clip_seconds):
        raise UserError(f"--clip-seconds: clip lengths must be positive numbers of seconds, got "
                        f"{' '.join(map(str, clip_seconds))}")
    try:
        with guarded(f"{model_id}: the model's constructor"):
            model = registry.models.make(model_id)
    except Exception as exc:  # noqa: BLE001 - report, don't crash
        return [f"{model_id}: constructing the model failed: {_reason(exc)}"]
    if not isinstance(model, AudioModel):
        return [f"{model_id}: the factory returned {type(model).__name__}, expected an "
                "AudioModel subclass"]
    problems += _check_attributes(model_id, model)
    if problems:
        return problems
    try:
        with guarded(f"{model_id}: load({device!r})"):
            model.load(device)
            model.load(device)  # must be idempotent
    except Exception as exc:  # noqa: BLE001
        return [f"{model_id}: load({device!r}) failed: {_reason(exc)}"]
    dims: dict[str, int] = {}
    rng = np.random.default_rng(0)
    for seconds in clip_seconds:
        n = int(seconds * model.sample_rate)
        audio = (0.1 * rng.standard_normal((2, n))).astype(np.float32)
        try:
            with guarded(f"{model_id}: embed()"):
                outputs = model.embed(audio, list(model.layers))
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{model_id}: embed() on 2 clips of {seconds} s failed: "
                            f"{_reason(exc)}")
            continue
        problems += _check_outputs(model_id, model, outputs, seconds, dims)
        if seconds == clip_seconds[0] and not problems:
            problems += _check_repeated_calls(model_id, model, audio, outputs)
    return problems


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"


def _check_repeated_calls(model_id: str, model: AudioModel, audio: np.ndarray,
                          outputs: dict[str, Activations]) -> list[str]:
    """The same audio again (same result, no failure), and each clip alone (same result as in
    the batch: the harness batches clips freely and its cache does not key on the batch)."""
    layers = list(model.layers)
    try:
        with guarded(f"{model_id}: embed()"):
            again = model.embed(audio, layers)
    except Exception as exc:  # noqa: BLE001
        return [f"{model_id}: embed() failed on its second call with the same audio (the first "
                f"worked): {_reason(exc)}; a plugin must work every time it is called"]
    problems = [f"{model_id}: layer {name!r} is not deterministic (two embed() calls on the "
                "same audio differ; use eval mode)"
                for name in layers
                if not np.allclose(again[name].values, outputs[name].values, atol=1e-5)]
    if problems:
        return problems
    for row in range(len(audio)):
        try:
            with guarded(f"{model_id}: embed()"):
                alone = model.embed(audio[row:row + 1], layers)
        except Exception as exc:  # noqa: BLE001
            return [f"{model_id}: embed() of one clip alone failed (in a batch of 2 it worked): "
                    f"{_reason(exc)}"]
        for name in layers:
            single = np.asarray(alone[name].values)
            batched = outputs[name].values[row:row + 1]
            scale = 1.0 + float(np.max(np.abs(batched)))
            if single.shape != batched.shape or not np.all(np.abs(single - batched)
                                                           <= 1e-4 * scale):
                gap = ("a different shape" if single.shape != batched.shape else
                       f"up to {float(np.max(np.abs(single - batched))):.3g}")
                problems.append(f"{model_id}: layer {name!r} depends on the batch: a clip "
                                f"embedded alone differs from the same clip in a batch of 2 by "
                                f"{gap}; compute each clip on its own (no statistics across "
                                "the batch): the harness batches clips freely and caches the "
                                "result")
        if problems:
            return problems
    return problems


def _check_attributes(model_id: str, model: AudioModel) -> list[str]:
    problems = []
    allowed = {model_id}
    if random_weights_requested():  # a hub model in random-weights mode says so in its id
        allowed.add(random_weights_identifier(model_id))
    if getattr(model, "identifier", None) not in allowed:
        problems.append(f"{model_id}: identifier is {getattr(model, 'identifier', None)!r}, "
                        f"expected {model_id!r} (the id it is registered under)")
    rate = getattr(model, "sample_rate", None)
    if not isinstance(rate, int) or rate <= 0:
        problems.append(f"{model_id}: sample_rate must be a positive int (Hz), got {rate!r}")
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not layers or not all(isinstance(x, str) for x in layers):
        problems.append(f"{model_id}: layers must be a non-empty list of str, got {layers!r}")
        return problems
    if len(set(layers)) != len(layers):
        problems.append(f"{model_id}: layers contains duplicates")
    default = getattr(model, "default_layers", None)
    if not isinstance(default, list) or not default:
        problems.append(f"{model_id}: default_layers must be a non-empty list of layer names")
    else:
        unknown = [x for x in default if x not in layers]
        if unknown:
            problems.append(f"{model_id}: default_layers not in layers: {', '.join(unknown)}")
        elif [layers.index(x) for x in default] != sorted(layers.index(x) for x in default):
            problems.append(f"{model_id}: default_layers must be in depth order (as in layers)")
    if not str(getattr(model, "version", "")):
        problems.append(f"{model_id}: version must be a non-empty string")
    return problems


def _check_outputs(model_id: str, model: AudioModel, outputs, seconds: float,
                   dims: dict[str, int]) -> list[str]:
    problems = []
    if not isinstance(outputs, dict):
        return [f"{model_id}: embed() must return a dict {{layer: Activations}}, "
                f"got {type(outputs).__name__}"]
    missing = [x for x in model.layers if x not in outputs]
    extra = [x for x in outputs if x not in model.layers]
    if missing:
        problems.append(f"{model_id}: embed() did not return requested layers: "
                        f"{', '.join(missing[:5])}")
    if extra:
        problems.append(f"{model_id}: embed() returned undeclared layers: {', '.join(extra[:5])}")
    for name in model.layers:
        if name not in outputs:
            continue
        item = outputs[name]
        where = f"{model_id}: layer {name!r} on {seconds} s clips"
        if not isinstance(item, Activations):
            problems.append(f"{where}: expected an Activations(values, hop_seconds), got "
                            f"{type(item).__name__}")
            continue
        values = item.values
        if not isinstance(values, np.ndarray) or values.ndim != 3 or values.shape[0] != 2:
            problems.append(f"{where}: values must be a numpy array (batch=2, frames, dim), got "
                            f"{getattr(values, 'shape', type(values).__name__)}")
            continue
        problem = values_problem(values)
        if problem is not None:
            problems.append(f"{where}: {problem}")
            continue
        if values.dtype != np.float32:
            problems.append(f"{where}: dtype is {values.dtype}, expected float32")
        if values.shape[1] < 1:
            problems.append(f"{where}: empty output of shape {values.shape}")
        if not np.all(np.isfinite(values)):
            problems.append(f"{where}: contains NaN or infinite values")
        if name in dims and dims[name] != values.shape[2]:
            problems.append(f"{where}: dim {values.shape[2]} differs from {dims[name]} on "
                            "other clip lengths")
        dims.setdefault(name, values.shape[2])
        hop = item.hop_seconds
        if hop is None:
            if values.shape[1] != 1:
                problems.append(f"{where}: hop_seconds is None (clip-level) but there are "
                                f"{values.shape[1]} frames")
        elif not hop > 0:
            problems.append(f"{where}: hop_seconds must be > 0 or None, got {hop!r}")
        elif values.shape[1] > 1.5 * seconds / hop + 2:
            problems.append(f"{where}: {values.shape[1]} frames is more than a {hop} s hop "
                            f"allows for {seconds} s; check hop_seconds")
    return problems
