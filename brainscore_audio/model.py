"""The model plugin interface: load, embed, layers.

A model plugin is a subclass of :class:`AudioModel`. The harness calls :meth:`AudioModel.load`
once, then :meth:`AudioModel.embed` on batches of equal-length clips at the model's own sample
rate. Everything else (resampling, batching, pooling, caching, scoring) is the harness's job.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

#: Set to 1 to build pretrained (download) models with seeded random weights in their real
#: architecture: for ``benchmark validate`` and tests on machines without internet, never for
#: scores. A model built that way carries :data:`RANDOM_WEIGHTS_SUFFIX` in its identifier, so
#: its records can never pass as the pretrained model's (``leaderboard build`` refuses them).
RANDOM_WEIGHTS_ENV = "BRAINSCORE_AUDIO_RANDOM_WEIGHTS"
RANDOM_WEIGHTS_SUFFIX = "+random-weights"


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
            last, docs/methods.md#default-layers), in depth order.
        checkpoint: the weights the activations come from, recorded in every score:
            ``"<hub repo>@<40-hex commit>"``, ``"<file> sha256:<hex>"``, a wheel file, or
            ``None`` for fixed filters. Known at construction where the plugin declares it
            (``revision`` / ``weights.sha256`` in metadata.yaml); a download whose hash is not
            published sets it in :meth:`load`, and the harness records the value after loading.
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


def random_weights_requested() -> bool:
    """True when :data:`RANDOM_WEIGHTS_ENV` is set to 1/true/yes."""
    return os.environ.get(RANDOM_WEIGHTS_ENV, "").strip().lower() in ("1", "true", "yes")


def random_weights_identifier(identifier: str) -> str:
    """The identifier a model built in random-weights mode carries: ``<id>+random-weights``."""
    return identifier + RANDOM_WEIGHTS_SUFFIX


@contextmanager
def declared_weights() -> Iterator[None]:
    """Build models as their ids declare them: random-weights mode off inside the block."""
    previous = os.environ.pop(RANDOM_WEIGHTS_ENV, None)
    try:
        yield
    finally:
        if previous is not None:
            os.environ[RANDOM_WEIGHTS_ENV] = previous


def declared_identity(model_id: str) -> tuple[str, str | None] | None:
    """``(version, checkpoint)`` the installed plugin of ``model_id`` declares (constructed, never
    loaded), or None when the id is not registered here (or only through a prefix family such as
    ``hf:``, whose weights nothing declares). A constructor that fails gives None as well."""
    from . import registry

    registry.discover_plugins()
    if model_id not in registry.models.entries:
        return None
    try:
        with declared_weights():
            model = registry.models.make(model_id)
    except Exception:  # noqa: BLE001 - a broken third-party constructor: nothing to compare
        return None
    return str(model.version), model.checkpoint


def evenly_spaced_layers(layers: Sequence[str], count: int = 12) -> list[str]:
    """About ``count`` evenly spaced layers of ``layers`` plus the last one, in depth order.

    The rule of docs/methods.md#default-layers: a 32-layer model with ``count=11`` gives layers
    1, 4, 7, ..., 31, 32 (1-based). Models with at most ``count`` layers keep all of them.
    """
    layers = list(layers)
    if len(layers) <= count:
        return layers
    step = int(np.ceil(len(layers) / count))
    picked = list(range(0, len(layers), step))
    if picked[-1] != len(layers) - 1:
        picked.append(len(layers) - 1)
    return [layers[i] for i in picked]
