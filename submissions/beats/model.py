"""BEATs as a model plugin: one class for the released checkpoints (``beats-iter1``, ...,
registered by their own plugin folders, each declaring its download in ``metadata.yaml``) and the
untrained twin ``beats-untrained`` (torch seed 0, offline).

Layers (one frame per 160 ms time patch; the 8 frequency patches of a time patch are averaged):
``patch`` (projected patch embeddings), ``hidden0`` (the transformer's input: after the
convolutional position embedding and LayerNorm) and ``hidden1``..``hidden12`` (its layers).
Clips shorter than one patch (2800 samples, 0.175 s) are zero-padded to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from brainscore_audio.errors import UserError
from brainscore_audio.model import Activations, AudioModel
from brainscore_audio.weights import PublishedWeights

SEED = 0
HOP_SECONDS = 0.16


class BEATs(AudioModel):
    """A released BEATs checkpoint (``weights`` given) or the seeded untrained encoder.

    Args:
        identifier: the registered id.
        weights: the checkpoint's download (``None``: untrained, seeded).
        finetuned: whether the release has the AudioSet classifier (``predictor``).
        weights_dir: where downloads go (default ``<data dir>/weights``).
        architecture: the encoder's configuration (default: the released one; tests shrink it).
    """

    sample_rate = 16_000
    version = "1"

    def __init__(self, identifier: str, weights: PublishedWeights | None = None,
                 finetuned: bool = False, weights_dir: str | Path | None = None,
                 architecture=None) -> None:
        from brainscore_audio.adapters.hf.model import random_weights_requested

        from .network import Architecture

        self.identifier = identifier
        self.weights = weights
        self.weights_dir = weights_dir
        self.architecture = architecture or Architecture(finetuned_model=finetuned)
        # BRAINSCORE_AUDIO_RANDOM_WEIGHTS=1 (conformance checks without internet, docs/submit.md)
        self.random_mode = weights is not None and random_weights_requested()
        depth = self.architecture.encoder_layers
        self.layers = ["patch"] + [f"hidden{i}" for i in range(depth + 1)]
        self.default_layers = list(self.layers)
        if weights is None:
            self.checkpoint = f"untrained, torch.manual_seed({SEED})"
        elif self.random_mode:
            self.version = "1+random"
            self.checkpoint = f"random weights (torch seed {SEED}) in the architecture of {weights.filename}"
        else:
            self.checkpoint = f"{weights.filename} (sha256 recorded on download)"
        self._network = None
        self._device = "cpu"

    def _load_release(self):
        import torch

        from .network import Architecture, BEATsEncoder

        path, sha256 = self.weights.fetch(self.weights_dir)
        try:
            dump = torch.load(path, map_location="cpu", weights_only=True)
            arch = Architecture.from_release(dump["cfg"])
            if arch != self.architecture:
                raise ValueError(f"cfg {arch.as_dict()} differs from the declared "
                                 f"{self.architecture.as_dict()}")
            network = BEATsEncoder(arch)
            network.load_state_dict(dump["model"], strict=True)
        except (KeyError, RuntimeError, ValueError, TypeError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise UserError(f"{path}: not the BEATs checkpoint {self.identifier} expects "
                            f"({type(exc).__name__}: {reason[:200]})") from exc
        self.checkpoint = self.weights.checkpoint(sha256)
        return network

    def load(self, device: str = "cpu") -> None:
        from .network import BEATsEncoder

        if self._network is not None and self._device == device:
            return
        if self._network is None:
            if self.weights is not None and not self.random_mode:
                network = self._load_release()
            else:
                from brainscore_audio.adapters.torch_hooks import seeded_init

                network = seeded_init(lambda: BEATsEncoder(self.architecture), SEED)
            self._network = network.eval()
        self._network.to(device)
        self._device = device

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
