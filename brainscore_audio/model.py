"""The model plugin interface: load, embed, layers.

A model plugin is a subclass of :class:`AudioModel`. The harness calls :meth:`AudioModel.load`
once, then :meth:`AudioModel.embed` on batches of equal-length clips at the model's own sample
rate. Everything else (resampling, batching, pooling, caching, scoring) is the harness's job.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activations:
    """One layer's output for a batch of clips.

    Attributes:
        values: ``(batch, frames, dim)`` float32. A clip-level (scene) layer has ``frames == 1``.
        hop_seconds: time between consecutive frames in seconds; ``None`` for a clip-level layer.
    """

    values: np.ndarray
    hop_seconds: float | None


class AudioModel(ABC):
    """Base class of every model plugin.

    Class attributes a plugin sets (or sets in ``__init__``):
        identifier: stable id, e.g. ``"wav2vec2-base"``; what users type after ``--model``.
        version: plugin version; bump it whenever the activations for the same audio change
            (it keys the activation cache and goes into every score record).
        sample_rate: the rate in Hz that :meth:`embed` expects.
        layers: every readable layer, in depth order (input side first).
        default_layers: the subset scored by default (about 10-13 evenly spaced layers plus the
            last, METHODS.md section 1), in depth order.
        checkpoint: an identifier or hash of the weights, where known (recorded in scores).
    """

    identifier: str
    version: str = "1"
    sample_rate: int
    layers: list[str]
    default_layers: list[str]
    checkpoint: str | None = None

    @abstractmethod
    def load(self, device: str = "cpu") -> None:
        """Fetch or construct the weights and move them to ``device`` ("cpu" or "cuda").

        Must be idempotent: a second call with the same device does nothing.
        """

    @abstractmethod
    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        """Compute activations of ``layers`` for a batch of clips.

        Args:
            audio: ``(batch, samples)`` float32 mono in [-1, 1] at :attr:`sample_rate` Hz; all
                clips of a batch have the same length.
            layers: names from :attr:`layers`.
        Returns:
            ``{layer: Activations}`` with exactly the requested layers; each
            ``values`` is ``(batch, frames, dim)`` float32 and finite.
        """

    def describe(self) -> str:
        """One line for ``benchmark list models``."""
        return f"{self.sample_rate} Hz, {len(self.layers)} layers ({len(self.default_layers)} scored)"


def evenly_spaced_layers(layers: Sequence[str], count: int = 12) -> list[str]:
    """About ``count`` evenly spaced layers of ``layers`` plus the last one, in depth order.

    The rule of METHODS.md section 1: a 32-layer model with ``count=11`` gives layers 1, 4, 7,
    ..., 31, 32 (1-based). Models with at most ``count`` layers keep all of them.
    """
    layers = list(layers)
    if len(layers) <= count:
        return layers
    step = int(np.ceil(len(layers) / count))
    picked = list(range(0, len(layers), step))
    if picked[-1] != len(layers) - 1:
        picked.append(len(layers) - 1)
    return [layers[i] for i in picked]
