"""`logmel`: a log-mel spectrogram as a one-layer "model" (a classic acoustic baseline)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainscore_audio.dsp import log_mel_spectrogram
from brainscore_audio.model import Activations, AudioModel

HOP_LENGTH = 160
SAMPLE_RATE = 16_000


class LogMel(AudioModel):
    """64-band log-mel power spectrogram, 25 ms Hann windows every 10 ms at 16 kHz."""

    identifier = "logmel"
    version = "1"
    sample_rate = SAMPLE_RATE
    layers = ["logmel"]
    default_layers = ["logmel"]
    checkpoint = None  # no weights

    def load(self, device: str = "cpu") -> None:
        """Nothing to load (pure signal processing; runs on the CPU whatever ``device`` is)."""

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        values = log_mel_spectrogram(audio, self.sample_rate, hop_length=HOP_LENGTH)
        return {name: Activations(values, HOP_LENGTH / self.sample_rate) for name in layers}
