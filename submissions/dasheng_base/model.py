"""`dasheng-base`: Dasheng base (86M), a masked-autoencoder audio encoder trained on 272k hours.

The checkpoint declared in ``metadata.yaml`` (``weights``: the authors' Zenodo URL, the one the
``dasheng`` package uses) is downloaded on first use into ``<data dir>/weights/`` and loaded into
``network.py``'s encoder (the ``dasheng`` package itself needs torchaudio); downloading, the sha256
that reaches every record, the random-weights mode and the seeded twin come from
``brainscore_audio.weights.DownloadedModel``. ``dasheng-base-untrained`` builds the same encoder
from torch seed 0 and downloads nothing.

Layers (one frame per 40 ms): ``patch`` (embedded patches plus position embeddings),
``block1``..``block12`` and ``norm`` (the final LayerNorm: the released embedding).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from brainscore_audio.model import Activations, evenly_spaced_layers
from brainscore_audio.weights import DownloadedModel, PublishedWeights

CHECKPOINT_FILE = "dasheng_base.pt"
BASE = {"embed_dim": 768, "depth": 12, "num_heads": 12}


class DashengRelease(DownloadedModel):
    """A released Dasheng checkpoint of a given size, or its seeded untrained twin.

    Args:
        identifier: the registered id.
        architecture: ``{"embed_dim", "depth", "num_heads"}``, overriding the checkpoint's
            config (as the ``dasheng`` package's loaders do).
        weights: the download (``None``: untrained, torch seed 0).
        weights_dir: where downloads go (default ``<data dir>/weights``).
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
        """A release: ``{"model": state_dict, "config": {...}}`` (its config merged with the
        declared architecture, as ``dasheng_base()`` does)."""
        import torch

        from .network import DashengEncoder

        dump = torch.load(path, map_location="cpu", weights_only=True)
        network = DashengEncoder(**{**dump["config"], **self.architecture})
        network.load_release_state(dump["model"])
        return network

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        self.load(self._device)
        minimum = 4 * 160  # one 40 ms token
        if audio.shape[1] < minimum:
            audio = np.pad(audio, ((0, 0), (0, minimum - audio.shape[1])))
        with torch.inference_mode():
            outputs = self._network(torch.from_numpy(np.ascontiguousarray(audio, np.float32))
                                    .to(self._device))
        return {name: Activations(outputs[self.layers.index(name)].float().cpu().numpy(), 0.04)
                for name in layers}


class Dasheng(DashengRelease):
    """Dasheng base, pretrained (the checkpoint this folder declares) or untrained (seeded);
    every layer is scored.

    Args:
        pretrained: load the declared checkpoint (else: the untrained twin).
        url: another download of the same release (tests serve one over loopback); default the
            plugin's declared ``weights``.
        weights_dir: where downloads go (default ``<data dir>/weights``).
        architecture: ``embed_dim``, ``depth``, ``num_heads`` (default: base; tests shrink it).
    """

    description = "Dasheng base checkpoint"

    def __init__(self, pretrained: bool = True, url: str | None = None,
                 weights_dir: str | Path | None = None,
                 architecture: dict[str, int] | None = None) -> None:
        weights = None
        if pretrained:
            weights = PublishedWeights.of_plugin(__file__)
            if url is not None:
                weights = PublishedWeights(url, None, f"given by the caller ({url})")
        super().__init__("dasheng-base" if pretrained else "dasheng-base-untrained",
                         architecture or BASE, weights, weights_dir)
        self.default_layers = list(self.layers)
