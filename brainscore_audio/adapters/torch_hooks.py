"""Any ``torch.nn.Module`` as a model plugin, its layers read by named forward hooks.

A plugin subclasses :class:`TorchHookModel` and says which submodules are layers:

.. code-block:: python

    class MyNet(TorchHookModel):
        identifier, sample_rate = "my-net", 16_000
        hooks = {"conv1": "encoder.0", "conv2": "encoder.2", "out": "head"}  # layer -> submodule
        hop_seconds = {"conv1": 0.01, "conv2": 0.02, "out": None}          # None: clip level
        layouts = {"conv1": "BCT", "conv2": "BCT", "out": "BC"}            # default "BTC"
        def build(self): return load_my_pretrained_net()                    # a torch.nn.Module

``layers`` follow the order of ``hooks`` and ``default_layers`` are chosen by
:func:`~brainscore_audio.evenly_spaced_layers` unless set. ``prepare`` turns the numpy batch into
the module's input and ``run`` calls the module; override them when the module needs features
instead of a waveform. torch is imported only when a model is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from ..errors import UserError
from ..model import Activations, AudioModel, evenly_spaced_layers

#: How a hooked tensor's axes are laid out: B batch, T time (frames), C features.
LAYOUTS = ("BTC", "BCT", "TBC", "BC")


class TorchHookModel(AudioModel):
    """Base class: a torch module whose named submodules' outputs are the layers.

    Class attributes (besides those of :class:`AudioModel`):
        hooks: ``{layer name: dotted submodule path}`` in depth order (``""`` is the module).
        hop_seconds: ``{layer: seconds between frames}`` or one float for all; ``None`` marks
            a clip-level layer (one frame).
        layouts: ``{layer: one of LAYOUTS}``; layers not named use :attr:`layout`.
        layout: the default layout (``"BTC"``).
    """

    hooks: ClassVar[dict[str, str]] = {}
    hop_seconds: ClassVar[dict[str, float | None] | float | None] = None
    layouts: ClassVar[dict[str, str]] = {}
    layout: ClassVar[str] = "BTC"

    def __init__(self) -> None:
        if not getattr(self, "layers", None):
            self.layers = list(self.hooks)
        if not getattr(self, "default_layers", None):
            self.default_layers = evenly_spaced_layers(self.layers)
        self._module = None
        self._device = "cpu"

    # -- what subclasses provide ------------------------------------------------------------
    def build(self) -> Any:
        """Return the ``torch.nn.Module`` (weights loaded). Called once by :meth:`load`."""
        raise NotImplementedError

    def prepare(self, audio: np.ndarray) -> Any:
        """``(batch, samples)`` float32 numpy -> the module's input tensor (default: as is)."""
        import torch

        return torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))

    def run(self, module: Any, inputs: Any) -> None:
        """Call the module on the prepared inputs (outputs are read by the hooks)."""
        module(inputs)

    def hook_output(self, layer: str, output: Any) -> Any:
        """Pick the tensor from a submodule's output (default: first element of a tuple)."""
        while isinstance(output, tuple | list):
            output = output[0]
        return output

    # -- the AudioModel contract ------------------------------------------------------------
    def load(self, device: str = "cpu") -> None:
        if self._module is not None and self._device == device:
            return
        module = self._module if self._module is not None else self.build()
        self._module = module.to(device).eval()
        self._device = device

    @property
    def module(self) -> Any:
        """The loaded ``torch.nn.Module`` (loads on first access)."""
        if self._module is None:
            self.load(self._device)
        return self._module

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        unknown = [name for name in layers if name not in self.hooks]
        if unknown:
            raise UserError(f"{self.identifier}: unknown layer(s) {', '.join(unknown)}; "
                            f"known: {', '.join(self.layers)}")
        module = self.module
        captured: dict[str, Any] = {}
        handles = []
        for name in layers:
            target = module.get_submodule(self.hooks[name]) if self.hooks[name] else module
            handles.append(target.register_forward_hook(_capture(captured, name)))
        try:
            with torch.inference_mode():
                inputs = self.prepare(audio)
                inputs = inputs.to(self._device) if hasattr(inputs, "to") else inputs
                self.run(module, inputs)
        finally:
            for handle in handles:
                handle.remove()
        missing = [name for name in layers if name not in captured]
        if missing:
            raise RuntimeError(f"{self.identifier}: the forward pass never reached the "
                               f"submodule(s) of layer(s) {', '.join(missing)}")
        return {name: Activations(self._to_frames(name, self.hook_output(name, captured[name]),
                                                  len(audio)), self._hop(name))
                for name in layers}

    # -- helpers ----------------------------------------------------------------------------
    def _hop(self, layer: str) -> float | None:
        hop = self.hop_seconds
        return hop.get(layer) if isinstance(hop, dict) else hop

    def _to_frames(self, layer: str, tensor: Any, batch: int) -> np.ndarray:
        layout = self.layouts.get(layer, self.layout)
        values = tensor.detach().float().cpu().numpy()
        if layout == "BCT":
            values = values.reshape(values.shape[0], values.shape[1], -1).transpose(0, 2, 1)
        elif layout == "TBC":
            values = values.transpose(1, 0, 2)
        elif layout == "BC":
            values = values.reshape(values.shape[0], 1, -1)
        elif layout != "BTC":
            raise ValueError(f"{self.identifier}: layout {layout!r} of layer {layer!r} is not one "
                             f"of {LAYOUTS}")
        if values.ndim != 3 or values.shape[0] != batch:
            raise RuntimeError(f"{self.identifier}: layer {layer!r} gave shape {values.shape} "
                               f"with layout {layout}; expected (batch={batch}, frames, dim)")
        return np.ascontiguousarray(values, dtype=np.float32)


def _capture(store: dict[str, Any], name: str) -> Callable:
    def hook(_module, _inputs, output):
        store[name] = output

    return hook


def seeded_init(build: Callable[[], Any], seed: int) -> Any:
    """Call ``build()`` with torch's global generator seeded, then restore it.

    The untrained twin of a model is its architecture built this way without loading weights:
    the same seed gives the same weights in every process (on CPU), and the caller's random
    state is left untouched.
    """
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


class SeededTwinModel(AudioModel):
    """Base of plugins whose torch network is either loaded with pretrained weights or built
    with seeded random weights (the untrained twin), then kept in eval mode on the device.

    Subclasses implement :meth:`build` (the untrained network) and :meth:`load_pretrained` (the
    network with its weights) and set ``pretrained`` and ``seed``; :meth:`load` is idempotent.
    """

    pretrained: bool = True
    seed: int = 0
    _network: Any = None
    _device: str = "cpu"

    def build(self) -> Any:
        """The untrained ``torch.nn.Module`` (called under the fixed torch seed)."""
        raise NotImplementedError

    def load_pretrained(self) -> Any:
        """The ``torch.nn.Module`` holding the pretrained weights."""
        raise NotImplementedError

    def load(self, device: str = "cpu") -> None:
        if self._network is not None and self._device == device:
            return
        if self._network is None:
            network = (self.load_pretrained() if self.pretrained
                       else seeded_init(self.build, self.seed))
            self._network = network.eval()
        self._network.to(device)
        self._device = device
