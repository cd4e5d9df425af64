"""BEATs as a model plugin: one class for the released checkpoints (``beats-iter1``, ...,
registered by their own plugin folders, each declaring its download in ``metadata.yaml``) and the
untrained twin ``beats-untrained`` (torch seed 0, offline); downloading, checking and the
random-weights mode come from ``brainscore_audio.weights.DownloadedModel``.

Layers (one frame per 160 ms time patch; the 8 frequency patches of a time patch are averaged):
``patch`` (projected patch embeddings), ``hidden0`` (the transformer's input: after the
convolutional position embedding and LayerNorm) and ``hidden1``..``hidden12`` (its layers).
Clips shorter than one patch (2800 samples, 0.175 s) are zero-padded to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from brainscore_audio.model import Activations
from brainscore_audio.weights import DownloadedModel, PublishedWeights

HOP_SECONDS = 0.16


class BEATs(DownloadedModel):
    """A released BEATs checkpoint (``weights`` given) or the seeded untrained encoder.

    Args:
        identifier: the registered id.
        weights: the checkpoint's download (``None``: untrained, seeded).
        finetuned: whether the release has the AudioSet classifier (``predictor``).
        weights_dir: where downloads go (default ``<data dir>/weights``).
        architecture: the encoder's configuration (default: the released one; tests shrink it).
    """

    sample_rate = 16_000
    description = "BEATs checkpoint"

    def __init__(self, identifier: str, weights: PublishedWeights | None = None,
                 finetuned: bool = False, weights_dir: str | Path | None = None,
                 architecture=None) -> None:
        from .network import Architecture

        super().__init__(identifier, weights, weights_dir)
        self.architecture = architecture or Architecture(finetuned_model=finetuned)
        depth = self.architecture.encoder_layers
        self.layers = ["patch"] + [f"hidden{i}" for i in range(depth + 1)]
        self.default_layers = list(self.layers)

    def build(self):
        from .network import BEATsEncoder

        return BEATsEncoder(self.architecture)

    def read_checkpoint(self, path: Path):
        """A release: ``{"cfg": {...}, "model": state_dict}``; its cfg must be the declared one."""
        import torch

        from .network import Architecture, BEATsEncoder

        dump = torch.load(path, map_location="cpu", weights_only=True)
        arch = Architecture.from_release(dump["cfg"])
        if arch != self.architecture:
            raise ValueError(f"cfg {arch.as_dict()} differs from the declared "
                             f"{self.architecture.as_dict()}")
        network = BEATsEncoder(arch)
        network.load_state_dict(dump["model"], strict=True)
        return network

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        from .network import fbank, minimum_samples, normalise

        self.load(self._device)
        if audio.shape[1] < minimum_samples():
            audio = np.pad(audio, ((0, 0), (0, minimum_samples() - audio.shape[1])))
        features = torch.from_numpy(normalise(fbank(audio))).to(self._device)
        with torch.inference_mode():
            outputs = self._network(features)
        bands = self._network.mel_patches()
        result = {}
        for name in layers:
            tokens = outputs[self.layers.index(name)]
            frames = tokens.reshape(len(audio), -1, bands, tokens.shape[-1]).mean(dim=2)
            result[name] = Activations(frames.float().cpu().numpy(), HOP_SECONDS)
        return result


def release_model(plugin_file: str, identifier: str, finetuned: bool = False) -> BEATs:
    """The BEATs release declared by the ``weights`` of the plugin folder of ``plugin_file``."""
    return BEATs(identifier, PublishedWeights.of_plugin(plugin_file), finetuned=finetuned)
