"""``hear:<module>``: any HEAR 2021 module (Turian et al. 2022) as a model plugin.

A HEAR module is an importable Python module with ``load_model(model_file_path="")``,
``get_timestamp_embeddings(audio, model) -> (embeddings (n, T, d), timestamps (n, T) in ms)``
and ``get_scene_embeddings(audio, model) -> (n, d)``; the model carries ``sample_rate``. Layers:

- ``timestamp`` (hop: the median spacing of the returned timestamps) and ``scene`` (clip level),
  always;
- ``module.<path>`` for each named torch submodule whose output can be read per clip: found by
  probing ``get_timestamp_embeddings`` with 1 s and 2 s of silence under forward hooks, keeping
  outputs whose first axis is the batch and that are either clip-level ``(n, d)`` or have
  exactly one axis that grows with the input (the time axis; its hop is measured from the two
  probes). Modules that frame the audio into their own batch cannot expose such layers and keep
  only ``timestamp`` / ``scene``.

Importing or loading a module that does not work here (missing dependencies, APIs changed since
2021) raises a one-line :class:`~brainscore_audio.errors.UserError` naming the module.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import UserError
from ...model import Activations, AudioModel, evenly_spaced_layers

PROBE_SECONDS = (1.0, 2.0)


@dataclass(frozen=True)
class HookLayer:
    """A submodule read by a forward hook: ``time_axis`` 1 or 2 (None: clip level)."""

    path: str
    time_axis: int | None
    hop_seconds: float | None


def _first_tensor(output: Any) -> Any:
    while isinstance(output, tuple | list) and output:
        output = output[0]
    return output


class HEARModel(AudioModel):
    """A HEAR 2021 module; see the module docstring for its layers."""

    def __init__(self, module_name: str, *, identifier: str | None = None,
                 model_file_path: str = "") -> None:
        if not module_name or not all(part.isidentifier() for part in module_name.split(".")):
            raise UserError(f"hear:{module_name}: expected hear:<python module>, e.g. "
                            "hear:hearbaseline.naive")
        self.module_name = module_name
        self.identifier = identifier or f"hear:{module_name}"
        self.model_file_path = model_file_path
        self.checkpoint = f"{module_name} load_model({model_file_path!r})"
        self._module = None
        self._model = None
        self._hooks: dict[str, HookLayer] = {}
        self._device = "cpu"

    # -- what is known only after loading --------------------------------------------------
    @property
    def sample_rate(self) -> int:
        self.load(self._device)
        return int(self._model.sample_rate)

    @property
    def layers(self) -> list[str]:
        self.load(self._device)
        return [*self._hooks, "timestamp", "scene"]

    @property
    def default_layers(self) -> list[str]:
        self.load(self._device)
        return [*evenly_spaced_layers(list(self._hooks)), "timestamp", "scene"]

    # -- AudioModel -------------------------------------------------------------------------
    def load(self, device: str = "cpu") -> None:
        if self._model is not None:
            if device != self._device and hasattr(self._model, "to"):
                self._model.to(device)
                self._device = device
            return
        try:
            module = importlib.import_module(self.module_name)
        except Exception as exc:  # noqa: BLE001 - any import failure is the user's environment
            raise UserError(self._failure("importing", exc)) from exc
        missing = [name for name in ("load_model", "get_timestamp_embeddings",
                                     "get_scene_embeddings") if not hasattr(module, name)]
        if missing:
            raise UserError(f"{self.identifier}: {self.module_name} is not a HEAR module (no "
                            f"{', '.join(missing)})")
        try:
            model = module.load_model(self.model_file_path) if self.model_file_path \
                else module.load_model()
        except Exception as exc:  # noqa: BLE001
            raise UserError(self._failure("load_model() of", exc)) from exc
        if hasattr(model, "eval"):
            model.eval()
        if hasattr(model, "to"):
            model.to(device)
        self._module, self._model, self._device = module, model, device
        self._hooks = self._probe_hook_layers()

    def _failure(self, what: str, exc: Exception) -> str:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return (f"{self.identifier}: {what} {self.module_name} failed: {type(exc).__name__}: "
                f"{reason[:200]} (HEAR 2021 modules pin old dependencies; install the ones it "
                "needs, e.g. pip install --no-deps <module> plus its runtime packages)")

    def _run(self, audio: np.ndarray, paths: Sequence[str]) -> tuple[dict[str, Any], Any, Any]:
        """Timestamp embeddings with forward hooks on ``paths``; returns (captured, emb, ts)."""
        import torch

        captured: dict[str, Any] = {}
        handles = []
        for path in paths:
            def hook(_m, _i, output, path=path) -> None:
                captured.setdefault(path, _first_tensor(output))
            handles.append(self._model.get_submodule(path).register_forward_hook(hook))
        try:
            with torch.no_grad():
                tensor = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
                embeddings, timestamps = self._module.get_timestamp_embeddings(
                    tensor.to(self._device), self._model)
        finally:
            for handle in handles:
                handle.remove()
        return captured, embeddings, timestamps

    def _probe_hook_layers(self) -> dict[str, HookLayer]:
        import torch

        if not isinstance(self._model, torch.nn.Module):
            return {}
        paths = [name for name, _ in self._model.named_modules() if name]
        if not paths:
            return {}
        rate = int(self._model.sample_rate)
        probes = []
        for seconds in PROBE_SECONDS:
            try:
                captured, _, _ = self._run(np.zeros((2, int(seconds * rate)), np.float32), paths)
            except Exception:  # noqa: BLE001 - a module that cannot run silence gets no hook layers
                return {}
            probes.append(captured)
        layers: dict[str, HookLayer] = {}
        seen: set[int] = set()
        for path in paths:
            first, second = probes[0].get(path), probes[1].get(path)
            if not (isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor)):
                continue
            if id(first) in seen or first.ndim not in (2, 3) or first.shape[0] != 2 \
                    or second.shape[0] != 2 or first.ndim != second.ndim:
                continue
            seen.add(id(first))
            grown = [axis for axis in range(1, first.ndim) if first.shape[axis] != second.shape[axis]]
            if first.ndim == 2 and not grown:
                layers[f"module.{path}"] = HookLayer(path, None, None)
            elif first.ndim == 3 and len(grown) == 1:
                axis = grown[0]
                added = second.shape[axis] - first.shape[axis]
                if added > 0:
                    hop = (PROBE_SECONDS[1] - PROBE_SECONDS[0]) / added
                    layers[f"module.{path}"] = HookLayer(path, axis, hop)
        return layers

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        self.load(self._device)
        unknown = [name for name in layers if name not in self.layers]
        if unknown:
            raise UserError(f"{self.identifier}: unknown layer(s) {', '.join(unknown)}; "
                            f"known: {', '.join(self.layers)}")
        out: dict[str, Activations] = {}
        hooked = [self._hooks[name].path for name in layers if name in self._hooks]
        if hooked or "timestamp" in layers:
            captured, embeddings, timestamps = self._run(audio, hooked)
            for name in layers:
                if name in self._hooks:
                    spec = self._hooks[name]
                    values = captured[spec.path].detach().float().cpu().numpy()
                    if spec.time_axis is None:
                        values = values[:, None, :]
                    elif spec.time_axis == 2:
                        values = values.transpose(0, 2, 1)
                    out[name] = Activations(np.ascontiguousarray(values, np.float32), spec.hop_seconds)
            if "timestamp" in layers:
                values = embeddings.detach().float().cpu().numpy()
                stamps = timestamps.detach().cpu().numpy()[0]
                hop = float(np.median(np.diff(stamps))) / 1000.0 if len(stamps) > 1 else None
                out["timestamp"] = Activations(np.ascontiguousarray(values, np.float32), hop)
        if "scene" in layers:
            with torch.no_grad():
                tensor = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
                scene = self._module.get_scene_embeddings(tensor.to(self._device), self._model)
            out["scene"] = Activations(scene.detach().float().cpu().numpy()[:, None, :], None)
        return {name: out[name] for name in layers}
