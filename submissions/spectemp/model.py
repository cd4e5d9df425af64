"""`cochleagram` and `spectemp`: auditory-model baselines without learning (numpy/scipy).

- ``cochleagram``: ERB-spaced gammatone filterbank (126 channels, 50 Hz-7.8 kHz, 4 per ERB),
  Hilbert envelopes, compression ``x ** 0.3`` (``cochlea.py``). Layers: ``envelope`` (linear)
  and ``cochleagram`` (compressed), 10 ms frames.
- ``spectemp``: the spectrotemporal modulation filter bank of Pepino et al. (after Chi, Ru &
  Shamma 2005; ``modulation.py``) on that cochleagram sampled at 400 Hz: 110 filters (6 scales
  0.0625-2 cycles/ERB x 8 rates 0.5-64 Hz x up/down, plus 6 purely spectral and 8 purely
  temporal). Layers: ``cochleagram`` (the front end, 10 ms frames), ``modulation_frames`` (each
  filter's energy averaged over channels, 10 ms frames, 110 dims) and ``modulation_energy``
  (outputs squared and time-averaged per frequency channel: 110 x 126 = 13,860 dims, clip
  level), the features Pepino et al. score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brainscore_audio.model import Activations, AudioModel

from .cochlea import Cochlea
from .modulation import filter_bank, modulation_energy

SAMPLE_RATE = 16_000
FRAME_RATE = 100  # Hz of the frame layers (10 ms)


def _to_frame_rate(values: np.ndarray, rate: int) -> np.ndarray:
    """``(batch, frames, dim)`` at ``rate`` Hz -> 100 Hz (polyphase, anti-aliased)."""
    if rate == FRAME_RATE:
        return values
    from scipy.signal import resample_poly  # scipy.signal takes ~0.7 s to import: not at registration

    gcd = np.gcd(rate, FRAME_RATE)
    return resample_poly(values, FRAME_RATE // gcd, rate // gcd, axis=1)


class CochleagramModel(AudioModel):
    """Gammatone cochleagram: envelopes and their compressed version, 10 ms frames."""

    identifier = "cochleagram"
    version = "1"
    sample_rate = SAMPLE_RATE
    layers = ["envelope", "cochleagram"]
    default_layers = ["envelope", "cochleagram"]
    checkpoint = "none (fixed filterbank)"

    def __init__(self) -> None:
        self.cochlea = Cochlea(sample_rate=SAMPLE_RATE, envelope_rate=FRAME_RATE)

    def load(self, device: str = "cpu") -> None:
        """Nothing to load: the filterbank is computed from its settings."""

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        envelope = self.cochlea.envelopes(audio)
        values = {"envelope": envelope, "cochleagram": envelope ** self.cochlea.compression}
        return {name: Activations(values[name].astype(np.float32), 1.0 / FRAME_RATE)
                for name in layers}


class SpectroTemporal(AudioModel):
    """Spectrotemporal modulation energy of a 400 Hz cochleagram (110 filters)."""

    identifier = "spectemp"
    version = "1"
    sample_rate = SAMPLE_RATE
    layers = ["cochleagram", "modulation_frames", "modulation_energy"]
    default_layers = ["cochleagram", "modulation_frames", "modulation_energy"]
    checkpoint = "none (fixed filterbank)"

    def __init__(self) -> None:
        self.cochlea = Cochlea(sample_rate=SAMPLE_RATE, envelope_rate=400)
        self.filters = filter_bank()

    def load(self, device: str = "cpu") -> None:
        """Nothing to load: the filters are computed from their settings."""

    def embed(self, audio: np.ndarray, layers: Sequence[str]) -> dict[str, Activations]:
        rate = self.cochlea.envelope_rate
        coch = self.cochlea.cochleagram(audio)  # (batch, frames, channels) at 400 Hz
        out: dict[str, np.ndarray] = {}
        if "cochleagram" in layers:
            out["cochleagram"] = _to_frame_rate(coch, rate)
        if "modulation_frames" in layers or "modulation_energy" in layers:
            energy = np.stack([modulation_energy(c, rate, self.cochlea.erb_spacing, self.filters)
                               for c in coch])  # (batch, filters, frames, channels)
            if "modulation_frames" in layers:
                out["modulation_frames"] = _to_frame_rate(energy.mean(axis=3).transpose(0, 2, 1), rate)
            if "modulation_energy" in layers:
                out["modulation_energy"] = energy.mean(axis=2).reshape(len(audio), 1, -1)
        return {name: Activations(np.ascontiguousarray(out[name], dtype=np.float32),
                                  None if name == "modulation_energy" else 1.0 / FRAME_RATE)
                for name in layers}
