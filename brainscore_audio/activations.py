"""Activations of a model over a whole stimulus set, as handed to benchmarks.

Two shapes exist. *Pooled* (fMRI, downstream): one ``(n_stimuli, dim)`` array per layer.
*Framed* (EEG): per layer a list of ``(frames_i, dim)`` arrays, one per stimulus, because clips
differ in length. Both follow the stimulus set's canonical order.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import UserError

POOLINGS = ("mean", "none")


def values_problem(values: np.ndarray) -> str | None:
    """What is wrong with one layer's activation array, or None: it must hold real
    floating-point numbers (not complex, integer, boolean or object) and at least one feature
    (last axis). Finiteness is checked separately."""
    dtype = np.asarray(values).dtype
    if np.issubdtype(dtype, np.complexfloating):
        return f"has complex dtype {dtype}; expected real floating-point values"
    if not np.issubdtype(dtype, np.floating):
        return f"has dtype {dtype}; expected floating-point values"
    shape = np.shape(values)
    if len(shape) < 2 or shape[-1] == 0:
        return f"has shape {shape}; expected at least one feature on the last axis"
    return None


def pool_frames(values: np.ndarray, pooling: str) -> np.ndarray:
    """Pool ``(batch, frames, dim)`` over time.

    Returns ``(batch, dim)`` for ``"mean"``; ``"none"`` returns ``values`` unchanged.
    """
    if pooling == "mean":
        return values.mean(axis=1, dtype=np.float64).astype(np.float32)
    if pooling == "none":
        return values
    raise ValueError(f"unknown pooling {pooling!r}; expected one of {POOLINGS}")


@dataclass
class StimulusActivations:
    """Per-layer activations of one model over one stimulus set.

    Attributes:
        stimulus_ids: the stimulus set's ids, in its canonical order (length n).
        layers: ``{layer: array}`` in depth order; pooled: ``(n, dim)`` float32; framed: a list
            of n arrays ``(frames_i, dim)``.
        pooling: ``"mean"`` or ``"none"``.
        hop_seconds: ``{layer: seconds between frames or None}``.
        model_id / model_version: provenance, copied into score records.
    """

    stimulus_ids: list[str]
    layers: dict[str, np.ndarray | list[np.ndarray]]
    pooling: str
    hop_seconds: dict[str, float | None] = field(default_factory=dict)
    model_id: str = ""
    model_version: str = ""

    @property
    def layer_names(self) -> list[str]:
        """Layer names in depth order."""
        return list(self.layers)

    def check_values(self) -> None:
        """Raise a one-line :class:`UserError` naming the first layer whose values are not real
        floating-point numbers (:func:`values_problem`: complex, integer, zero-width) or contain
        NaN or inf."""
        for name, values in self.layers.items():
            arrays = values if isinstance(values, list) else [values]
            for index, array in enumerate(arrays):
                where = f" (stimulus {self.stimulus_ids[index]})" if isinstance(values, list) else ""
                problem = values_problem(array)
                if problem is not None:
                    raise UserError(f"activations of layer {name!r}{where} {problem}")
                if not np.all(np.isfinite(array)):
                    raise UserError(
                        f"activations of layer {name!r}{where} contain NaN or infinite values; "
                        "expected finite numbers"
                    )


def save_precomputed(activations: StimulusActivations, path: str | Path) -> Path:
    """Write pooled activations as the ``.npz`` that :func:`load_precomputed` reads (and
    ``numpy.load`` opens): ``stimulus_ids`` (unicode strings) and one ``(n_stimuli, dim)``
    float32 array per layer, in depth order. Written atomically; returns the path.

    Raises:
        UserError: framed (``pooling="none"``) activations, whose clips differ in length.
    """
    from . import atomic

    if activations.pooling != "mean":
        raise UserError(f"{path}: only time-mean activations (pooling 'mean') are saved as .npz")
    reserved = [name for name in activations.layers if name == "stimulus_ids"]
    if reserved:
        raise UserError(f"{path}: a layer named 'stimulus_ids' would clash with the id array")
    arrays = {"stimulus_ids": np.array(activations.stimulus_ids, dtype=str)}
    arrays.update({name: np.asarray(values, dtype=np.float32)
                   for name, values in activations.layers.items()})
    atomic.write_npz(path, arrays)
    return Path(path)


def _member(archive, name: str, path: Path) -> np.ndarray:
    """One array of an ``.npz``; a one-line error for object arrays and corrupt members."""
    try:
        return archive[name]
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise UserError(f"{path}: array {name!r} holds Python objects (object dtype, pickled); "
                            "expected numbers (and stimulus_ids as strings)") from exc
        raise UserError(f"{path}: array {name!r} is unreadable ({exc})") from exc
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise UserError(f"{path}: array {name!r} is corrupt ({exc}); write the file again") from exc


def load_precomputed(
    path: str | Path, stimulus_ids: Sequence[str], pooling: str
) -> StimulusActivations:
    """Load activations extracted elsewhere from an ``.npz`` and align them to a stimulus set.

    The file holds ``stimulus_ids`` (string array, any order) and one array per layer keyed by
    layer name, shaped ``(n_stimuli, dim)`` or ``(n_stimuli, frames, dim)``. 3-D arrays are pooled
    with ``pooling``; 2-D arrays are already pooled and only serve ``pooling="mean"`` benchmarks.
    Layer order is the order of the arrays in the file.

    Raises:
        UserError: one line naming the file, for a missing ``stimulus_ids``, missing or extra
            ids, duplicated ids, wrong shapes, values that are not real floating-point numbers
            (complex, integer, zero-width) or non-finite values.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: activations file not found")
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise UserError(f"{path}: not a readable .npz file ({exc})") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise UserError(f"{path}: holds one array (a .npy file); expected an .npz archive of "
                        "'stimulus_ids' and one array per layer (numpy.savez)")
    with archive:
        if "stimulus_ids" not in archive.files:
            raise UserError(f"{path}: missing array 'stimulus_ids' (string ids of the stimuli)")
        ids_array = _member(archive, "stimulus_ids", path)
        if ids_array.ndim != 1:
            raise UserError(f"{path}: 'stimulus_ids' has shape {ids_array.shape}; expected a 1-D "
                            "array of string ids, one per stimulus")
        file_ids = [str(s) for s in ids_array]
        if len(set(file_ids)) != len(file_ids):
            raise UserError(f"{path}: 'stimulus_ids' contains duplicated ids")
        expected = list(stimulus_ids)
        missing = sorted(set(expected) - set(file_ids))
        extra = sorted(set(file_ids) - set(expected))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
            if extra:
                parts.append(f"{len(extra)} not in the stimulus set (e.g. {', '.join(extra[:3])})")
            raise UserError(f"{path}: stimulus_ids do not match the stimulus set: {'; '.join(parts)}")
        position = {sid: i for i, sid in enumerate(file_ids)}
        order = np.array([position[sid] for sid in expected])
        layers: dict[str, np.ndarray | list[np.ndarray]] = {}
        for name in archive.files:
            if name == "stimulus_ids":
                continue
            array = _member(archive, name, path)
            if array.ndim not in (2, 3) or array.shape[0] != len(file_ids):
                raise UserError(
                    f"{path}: layer {name!r} has shape {array.shape}; expected "
                    f"({len(file_ids)}, dim) or ({len(file_ids)}, frames, dim)"
                )
            problem = values_problem(array)
            if problem is not None:
                raise UserError(f"{path}: layer {name!r} {problem}")
            array = array[order].astype(np.float32)
            if array.ndim == 3:
                array = pool_frames(array, pooling)
                if pooling == "none":
                    array = list(array)
            elif pooling == "none":
                raise UserError(
                    f"{path}: layer {name!r} is pooled (n_stimuli, dim) but this benchmark needs "
                    "frames; save it as (n_stimuli, frames, dim)"
                )
            layers[name] = array
    if not layers:
        raise UserError(f"{path}: no layer arrays besides 'stimulus_ids'")
    result = StimulusActivations(
        stimulus_ids=expected, layers=layers, pooling=pooling,
        hop_seconds=dict.fromkeys(layers),
    )
    try:
        result.check_values()
    except UserError as exc:
        raise UserError(f"{path}: {exc}") from None
    return result
