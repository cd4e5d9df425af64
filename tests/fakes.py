"""Small test doubles: a counting model and a tiny stimulus set."""

from __future__ import annotations

import numpy as np

from brainscore_audio.model import Activations, AudioModel
from brainscore_audio.stimuli import array_stimulus_set


class CountingModel(AudioModel):
    """Two layers of deterministic features; counts embed calls and can crash on call k."""

    identifier = "counting"
    sample_rate = 8000
    layers = ["energy", "spectrum"]
    default_layers = ["energy", "spectrum"]

    def __init__(self, version: str = "1", crash_on_call: int | None = None,
                 nan_layer: str | None = None) -> None:
        self.version = version
        self.calls = 0
        self.clips = 0
        self.crash_on_call = crash_on_call
        self.nan_layer = nan_layer

    def load(self, device: str = "cpu") -> None:
        pass

    def embed(self, audio, layers):
        self.calls += 1
        if self.crash_on_call is not None and self.calls >= self.crash_on_call:
            raise KeyboardInterrupt("simulated crash")
        self.clips += audio.shape[0]
        frames = audio[:, : audio.shape[1] // 80 * 80].reshape(audio.shape[0], -1, 80)
        out = {}
        if "energy" in layers:
            out["energy"] = Activations(np.sqrt((frames**2).mean(-1, keepdims=True))
                                        .astype(np.float32), 0.01)
        if "spectrum" in layers:
            values = np.abs(np.fft.rfft(frames, axis=-1))[..., :8].astype(np.float32)
            if self.nan_layer == "spectrum":
                values[0, 0, 0] = np.nan
            out["spectrum"] = Activations(values, 0.01)
        return out


def tone_set(n: int = 10, identifier: str = "tones", varied_length: bool = False):
    """``n`` tones at 8 kHz (0.25 s, or 0.2-0.38 s with ``varied_length``)."""
    rate = 8000
    waves = []
    for i in range(n):
        seconds = 0.2 + 0.02 * (i % 10) if varied_length else 0.25
        t = np.arange(int(rate * seconds)) / rate
        waves.append((0.3 * np.sin(2 * np.pi * (200 + 50 * i) * t)).astype(np.float32))
    return array_stimulus_set(identifier, [f"s{i}" for i in range(n)], waves, rate,
                              metadata={"category": ["a", "b"] * (n // 2) + ["a"] * (n % 2)})
