"""`resemblyzer`: the GE2E speaker encoder shipped in the resemblyzer wheel (``pretrained.pt``).

The package itself is never imported (it pulls librosa and webrtcvad); the weights are read from
the installed wheel (``pip install --no-deps resemblyzer``) into ``network.py``'s LSTMs, and the
mel front end is ``features.py``.

Layers:
- ``lstm1``, ``lstm2``, ``lstm3``: per-frame states of the three LSTM layers run over the whole
  clip (10 ms hop, 256 dims).
- ``embedding``: resemblyzer's utterance embedding, computed as ``VoiceEncoder.embed_utterance``
  does: 1.6 s partial windows at 1.3 per second (the last one zero-padded if it covers at least
  75 %), each embedded and L2-normalised, averaged and L2-normalised again; clip level.

Unlike ``resemblyzer.preprocess_wav`` no voice-activity trimming is applied: every frame stays,
so the frame layers stay aligned with the stimulus. Volume is normalised to -30 dBFS (increase
only) as in resemblyzer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainscore_audio.adapters.assets import package_file
from brainscore_audio.adapters.torch_hooks import SeededTwinModel
from brainscore_audio.model import Activations

from .features import HOP, SAMPLE_RATE, mel_power, normalise_volume

LAYERS = ["lstm1", "lstm2", "lstm3", "embedding"]
PARTIAL_FRAMES = 160  # 1.6 s
PARTIALS_PER_SECOND = 1.3
MIN_COVERAGE = 0.75
SEED = 0


def partial_slices(n_samples: int) -> list[tuple[int, int]]:
    """Frame ranges ``[start, stop)`` of the partial utterances of a clip of ``n_samples``,
    following resemblyzer's ``compute_partial_slices(rate=1.3, min_coverage=0.75)``."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = int(np.round(SAMPLE_RATE / PARTIALS_PER_SECOND / HOP))
    starts = range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step)
    slices = [(s, s + PARTIAL_FRAMES) for s in starts]
    last_start = slices[-1][0] * HOP
    coverage = (n_samples - last_start) / (PARTIAL_FRAMES * HOP)
    if coverage < MIN_COVERAGE and len(slices) > 1:
        slices = slices[:-1]
    return slices


class Resemblyzer(SeededTwinModel):
    """The resemblyzer speaker encoder, pretrained or (``pretrained=False``) seeded random."""

    sample_rate = SAMPLE_RATE
    layers = list(LAYERS)
    default_layers = list(LAYERS)
    seed = SEED

    def __init__(self, pretrained: bool = True) -> None:
        self.pretrained = pretrained
        self.identifier = "resemblyzer" if pretrained else "resemblyzer-untrained"
        self.checkpoint = ("resemblyzer 0.1.4 wheel pretrained.pt" if pretrained
                           else f"untrained, torch.manual_seed({SEED})")

    def build(self):
        from .network import SpeakerEncoder

        return SpeakerEncoder()

    def load_pretrained(self):
        import torch

        network = self.build()
        checkpoint = torch.load(package_file("resemblyzer", "pretrained.pt"), map_location="cpu",
                                weights_only=True)
        network.load_resemblyzer_state(checkpoint["model_state"])
        return network

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        import torch

        self.load(self._device)
        audio = normalise_volume(np.asarray(audio, dtype=np.float32))
        out: dict[str, Activations] = {}
        with torch.inference_mode():
            frame_layers = [name for name in layers if name != "embedding"]
            if frame_layers:
                mels = torch.from_numpy(mel_power(audio)).to(self._device)
                states = self._network(mels)
                for name in frame_layers:
                    values = states[LAYERS.index(name)].float().cpu().numpy()
                    out[name] = Activations(values, HOP / SAMPLE_RATE)
            if "embedding" in layers:
                out["embedding"] = Activations(self._utterance_embeddings(audio)[:, None, :], None)
        return {name: out[name] for name in layers}

    def _utterance_embeddings(self, audio: np.ndarray) -> np.ndarray:
        import torch

        slices = partial_slices(audio.shape[1])
        padded_length = max(audio.shape[1], slices[-1][1] * HOP)
        padded = np.pad(audio, ((0, 0), (0, padded_length - audio.shape[1])))
        mels = mel_power(padded)
        partials = np.stack([mels[:, a:b] for a, b in slices], axis=1)  # (batch, n, 160, 40)
        batch, n = partials.shape[:2]
        flat = torch.from_numpy(partials.reshape(batch * n, PARTIAL_FRAMES, -1)).to(self._device)
        embeds = self._network.embed_partials(flat).float().cpu().numpy().reshape(batch, n, -1)
        mean = embeds.mean(axis=1)
        return (mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)).astype(np.float32)
