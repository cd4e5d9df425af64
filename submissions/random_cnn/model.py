"""`random-cnn`: a small untrained 1-D CNN on the waveform (fixed seed), an untrained control."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainscore_audio.model import Activations, AudioModel

SAMPLE_RATE = 16_000
SEED = 0
# (name, out_channels, kernel, stride); hop of a layer = product of strides / sample rate.
ARCHITECTURE = (("conv1", 32, 400, 160), ("conv2", 64, 5, 2), ("conv3", 128, 5, 2),
                ("conv4", 256, 3, 2))


def _minimum_samples() -> int:
    """Shortest input giving one frame at the last layer."""
    frames = 1
    for _, _, kernel, stride in reversed(ARCHITECTURE):
        frames = (frames - 1) * stride + kernel
    return frames


class RandomCNN(AudioModel):
    """Four Conv1d + ReLU layers with Kaiming-normal weights drawn from a seeded generator.

    Untrained on purpose: it says how much of a score any multi-layer nonlinear filter bank gets
    without learning. Clips shorter than one frame of ``conv4`` (0.23 s) are zero-padded.
    """

    identifier = "random-cnn"
    version = "1"
    sample_rate = SAMPLE_RATE
    layers = [name for name, *_ in ARCHITECTURE]
    default_layers = list(layers)
    checkpoint = f"untrained, torch.Generator seed {SEED}"

    def __init__(self) -> None:
        self._network = None
        self._device = "cpu"

    def load(self, device: str = "cpu") -> None:
        import torch  # imported here: listing plugins must not import torch

        if self._network is not None and self._device == device:
            return
        generator = torch.Generator().manual_seed(SEED)
        blocks = []
        in_channels = 1
        for _, out_channels, kernel, stride in ARCHITECTURE:
            conv = torch.nn.Conv1d(in_channels, out_channels, kernel, stride=stride)
            with torch.no_grad():
                fan_in = in_channels * kernel
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator)
                                  * np.sqrt(2.0 / fan_in))
                conv.bias.zero_()
            blocks.append(conv)
            in_channels = out_channels
        self._network = torch.nn.ModuleList(blocks).to(device).eval()
        self._device = device

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        if self._network is None:
            self.load(self._device)
        minimum = _minimum_samples()
        if audio.shape[1] < minimum:
            audio = np.pad(audio, ((0, 0), (0, minimum - audio.shape[1])))
        outputs: dict[str, Activations] = {}
        hop = 1
        with torch.no_grad():
            x = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))[:, None, :]
            x = x.to(self._device)
            for (name, _, _, stride), conv in zip(ARCHITECTURE, self._network, strict=True):
                x = torch.relu(conv(x))
                hop *= stride
                if name in layers:
                    values = x.transpose(1, 2).cpu().numpy().astype(np.float32)
                    outputs[name] = Activations(values, hop / self.sample_rate)
                if len(outputs) == len(layers):
                    break
        return outputs
