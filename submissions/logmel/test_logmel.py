"""`logmel`: shapes, hop and a tone in the right band."""

from __future__ import annotations

import numpy as np
from brainscore_audio_submissions.logmel.model import LogMel

from brainscore_audio.dsp import hz_to_mel, mel_to_hz
from brainscore_audio.validate import validate_model


def test_conforms():
    assert validate_model("logmel") == []


def test_tone_peaks_in_its_band_with_10ms_hop():
    model = LogMel()
    t = np.arange(16000) / 16000
    audio = np.stack([0.5 * np.sin(2 * np.pi * f * t) for f in (250, 2000)]).astype(np.float32)
    out = model.embed(audio, ["logmel"])["logmel"]
    assert out.values.shape == (2, 98, 64) and out.hop_seconds == 0.01
    centres = mel_to_hz(np.linspace(hz_to_mel(50), hz_to_mel(8000), 66))[1:-1]
    for row, freq in enumerate((250, 2000)):
        peak = int(np.argmax(out.values[row].mean(axis=0)))
        assert abs(centres[peak] - freq) / freq < 0.1
