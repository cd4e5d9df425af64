"""Resemblyzer's speaker encoder (GE2E, Wan et al. 2018) in torch, loading the wheel's weights.

Three stacked LSTM layers (40 -> 256 -> 256 -> 256) over the mel frames, then linear 256 -> 256,
ReLU and L2 normalisation of the last frame's top-layer state. The layers are separate
``nn.LSTM`` modules here so that every layer's per-frame states can be read; the stacked LSTM of
the checkpoint (``lstm.weight_ih_l{k}``) maps onto them one to one.
"""

from __future__ import annotations

import torch
from torch import nn

N_MELS = 40
HIDDEN = 256
N_LAYERS = 3


class SpeakerEncoder(nn.Module):
    """``forward(mels (batch, frames, 40))`` -> list of per-frame states of the 3 LSTM layers,
    each ``(batch, frames, 256)``; :meth:`embed_partials` gives the utterance-level embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.lstms = nn.ModuleList(
            nn.LSTM(N_MELS if k == 0 else HIDDEN, HIDDEN, batch_first=True) for k in range(N_LAYERS))
        self.linear = nn.Linear(HIDDEN, HIDDEN)

    def forward(self, mels: torch.Tensor) -> list[torch.Tensor]:
        states = []
        x = mels
        for lstm in self.lstms:
            x, _ = lstm(x)
            states.append(x)
        return states

    def embed_partials(self, mels: torch.Tensor) -> torch.Tensor:
        """``(n, frames, 40)`` partial utterances -> ``(n, 256)`` L2-normalised embeddings."""
        top = self.forward(mels)[-1][:, -1]
        raw = torch.relu(self.linear(top))
        return raw / torch.linalg.vector_norm(raw, dim=1, keepdim=True).clamp_min(1e-12)

    def load_resemblyzer_state(self, state: dict[str, torch.Tensor]) -> None:
        """Load ``pretrained.pt``'s ``model_state`` (the stacked LSTM and the linear layer; the
        GE2E similarity scale and bias are training-only and ignored)."""
        mapped = {}
        for key, tensor in state.items():
            if key.startswith("similarity_"):
                continue
            if key.startswith("lstm."):
                name, layer = key[len("lstm."):].rsplit("_l", 1)
                mapped[f"lstms.{int(layer)}.{name}_l0"] = tensor
            else:
                mapped[key] = tensor
        self.load_state_dict(mapped, strict=True)
