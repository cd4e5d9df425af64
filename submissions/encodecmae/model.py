"""EnCodecMAE as a model plugin: one class for the released checkpoints (registered by their own
plugin folders, each declaring its download in ``metadata.yaml``) and the untrained twins of the
released architectures (torch seed 0, offline); downloading, checking and the random-weights mode
come from ``brainscore_audio.weights.DownloadedModel``.

Clips are encoded in 4 s chunks (the authors' ``extract_features_from_array``: the length their
models were trained on) whose frames are concatenated; as there, a last chunk of 2048 samples or
fewer is dropped, and a clip that short is zero-padded to 2049 samples. Layers: ``input``
(projected input frames plus scaled position encodings) and ``layer1``..``layerN``; frames every
13.25 ms (mel256 models: Kaldi fbank hop of 318 samples) or 13.33 ms (ec-ec: EnCodec's 320).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from brainscore_audio.model import Activations, evenly_spaced_layers
from brainscore_audio.weights import DownloadedModel, PublishedWeights

CHUNK_SAMPLES = 4 * 24_000
MIN_CHUNK = 2048


class EncodecMAE(DownloadedModel):
    """A released EnCodecMAE mel256 checkpoint (``weights`` given) or a seeded untrained encoder.

    Args:
        identifier: the registered id.
        architecture: the released mel256 sizes ``"small"``, ``"base"``, ``"large"``, the
            EnCodec-input ``"ec_base"``, or a ``network.Architecture``.
        weights: the checkpoint's download (``None``: untrained, seeded).
        weights_dir: where downloads go (default ``<data dir>/weights``).
    """

    sample_rate = 24_000
    description = "EnCodecMAE checkpoint"

    def __init__(self, identifier: str, architecture, weights: PublishedWeights | None = None,
                 weights_dir: str | Path | None = None) -> None:
        from . import network

        super().__init__(identifier, weights, weights_dir)
        if isinstance(architecture, str):
            architecture = getattr(network, architecture.upper())
        self.architecture = architecture
        self.hop_seconds = architecture.hop_samples / network.SAMPLE_RATE
        self.layers = ["input"] + [f"layer{i}" for i in range(1, architecture.layers + 1)]
        self.default_layers = evenly_spaced_layers(self.layers, 12) if len(self.layers) > 14 \
            else list(self.layers)

    def build(self):
        from .network import EncodecMAEEncoder

        return EncodecMAEEncoder(self.architecture)

    def read_checkpoint(self, path: Path):
        """A release: ``{"imports", "config", "state_dict"}``; the encoder's tensors are taken."""
        import torch

        dump = torch.load(path, map_location="cpu", weights_only=True)
        network = self.build()
        network.load_release_state(dump["state_dict"])
        return network

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        from .network import fbank

        self.load(self._device)
        if audio.shape[1] <= MIN_CHUNK:
            audio = np.pad(audio, ((0, 0), (0, MIN_CHUNK + 1 - audio.shape[1])))
        indices = [self.layers.index(name) for name in layers]
        pieces: list[list[np.ndarray]] = [[] for _ in layers]
        for start in range(0, audio.shape[1], CHUNK_SAMPLES):
            chunk = audio[:, start:start + CHUNK_SAMPLES]
            if chunk.shape[1] <= MIN_CHUNK:
                continue
            if self.architecture.front_end == "encodec":
                inputs = torch.from_numpy(np.ascontiguousarray(chunk, np.float32))
            else:
                inputs = torch.from_numpy(fbank(chunk))
            with torch.inference_mode():
                outputs = self._network(inputs.to(self._device), chunk.shape[1])
            for piece, index in zip(pieces, indices, strict=True):
                piece.append(outputs[index].float().cpu().numpy())
        return {name: Activations(np.concatenate(piece, axis=1), self.hop_seconds)
                for name, piece in zip(layers, pieces, strict=True)}


def release_model(plugin_file: str, identifier: str, size: str) -> EncodecMAE:
    """The EnCodecMAE release declared by the ``weights`` of the plugin folder of
    ``plugin_file``; ``size`` is ``"small"``, ``"base"``, ``"large"`` or ``"ec_base"``."""
    return EncodecMAE(identifier, size, PublishedWeights.of_plugin(plugin_file))
