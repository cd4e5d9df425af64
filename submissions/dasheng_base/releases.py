"""Dasheng releases of every size as :class:`~brainscore_audio.weights.DownloadedModel` plugins:
the checkpoint a plugin folder declares in ``metadata.yaml`` (``weights``) is downloaded, loaded
into ``network.py``'s encoder with the checkpoint's own ``config`` overridden by the declared
size (as the ``dasheng`` package's ``dasheng_06B()``/``dasheng_12B()`` do), and its sha256
recorded. Used by the dasheng_06b and dasheng_12b folders.

Layers (one frame per 40 ms): ``patch``, ``block1``..``blockN``, ``norm`` (the released
embedding); about 12 evenly spaced ones plus the last are scored by default.
"""

from __future__ import annotations

from pathlib import Path

from brainscore_audio.model import evenly_spaced_layers
from brainscore_audio.weights import DownloadedModel, PublishedWeights

from .model import Dasheng

#: The sizes of the dasheng package's dasheng_06B() and dasheng_12B().
SIZES = {"0.6b": {"embed_dim": 1280, "depth": 32, "num_heads": 16},
         "1.2b": {"embed_dim": 1536, "depth": 40, "num_heads": 24}}


class DashengRelease(DownloadedModel):
    """A released Dasheng checkpoint of a given size, or its seeded untrained twin.

    Args:
        identifier: the registered id.
        architecture: ``{"embed_dim", "depth", "num_heads"}`` (``SIZES``), overriding the
            checkpoint's config.
        weights: the download (``None``: untrained, torch seed 0).
    """

    sample_rate = 16_000
    description = "Dasheng checkpoint"

    def __init__(self, identifier: str, architecture: dict[str, int],
                 weights: PublishedWeights | None = None,
                 weights_dir: str | Path | None = None) -> None:
        super().__init__(identifier, weights, weights_dir)
        self.architecture = dict(architecture)
        depth = self.architecture["depth"]
        self.layers = ["patch"] + [f"block{i}" for i in range(1, depth + 1)] + ["norm"]
        self.default_layers = evenly_spaced_layers(self.layers, 12)

    def build(self):
        from .network import DashengEncoder

        return DashengEncoder(**self.architecture)

    def read_checkpoint(self, path: Path):
        """A release: ``{"model": state_dict, "config": {...}}``."""
        import torch

        from .network import DashengEncoder

        dump = torch.load(path, map_location="cpu", weights_only=True)
        network = DashengEncoder(**{**dump["config"], **self.architecture})
        network.load_release_state(dump["model"])
        return network

    #: Encoding exactly as dasheng-base (padding to one 40 ms token, 10 s chunks).
    embed = Dasheng.embed


def release_model(plugin_file: str, identifier: str, size: str,
                  random_weights: bool = False) -> DashengRelease:
    """The Dasheng release declared by the plugin folder of ``plugin_file`` (``size``: a key of
    ``SIZES``); ``random_weights=True`` is its untrained twin."""
    weights = None if random_weights else PublishedWeights.of_plugin(plugin_file)
    return DashengRelease(identifier, SIZES[size], weights)
