"""spectemp and cochleagram: planted tones, AM and moving ripples recover the filters they
should (channel, rate, scale and direction), the bank has the 110 filters of Pepino et al.,
and compression and layer shapes are as documented."""

from __future__ import annotations

import numpy as np
import pytest
from brainscore_audio_submissions.spectemp.cochlea import Cochlea, erb_number
from brainscore_audio_submissions.spectemp.model import CochleagramModel, SpectroTemporal
from brainscore_audio_submissions.spectemp.modulation import (
    RATES,
    SCALES,
    filter_bank,
    modulation_energy,
)

RATE = 16_000


def tone(hz: float, seconds: float = 1.0, am_hz: float | None = None) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = 1.0 if am_hz is None else 1.0 + 0.9 * np.sin(2 * np.pi * am_hz * t)
    return (0.1 * envelope * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_bank_has_the_110_filters_of_pepino_et_al():
    bank = filter_bank()
    assert len(bank) == 110 and len({f.name for f in bank}) == 110
    joint = [f for f in bank if f.rate is not None and f.scale is not None]
    assert len(joint) == 96 and {f.direction for f in joint} == {"up", "down"}
    assert sorted(f.scale for f in bank if f.rate is None) == list(SCALES)
    assert sorted(f.rate for f in bank if f.scale is None) == list(RATES)
    assert min(SCALES) == 0.0625 and max(SCALES) == 2 and min(RATES) == 0.5 and max(RATES) == 64


def test_channels_are_quarter_erb_apart_and_a_tone_excites_its_channel():
    cochlea = Cochlea()
    np.testing.assert_allclose(np.diff(erb_number(cochlea.centre_hz)), 0.25)
    for hz in (300.0, 1000.0, 4000.0):
        envelopes = cochlea.envelopes(tone(hz)[None])[0, 50:-50].mean(axis=0)
        best = cochlea.centre_hz[envelopes.argmax()]
        assert abs(erb_number(best) - erb_number(hz)) <= 0.25


def test_envelope_follows_amplitude_modulation_and_compression_is_a_power_law():
    model = CochleagramModel()
    out = model.embed(np.stack([tone(1000.0, am_hz=4.0), 2 * tone(1000.0, am_hz=4.0)]),
                      ["envelope", "cochleagram"])
    channel = int(np.abs(model.cochlea.centre_hz - 1000.0).argmin())
    env = out["envelope"].values[0, :, channel]
    spectrum = np.abs(np.fft.rfft(env - env.mean()))
    assert np.fft.rfftfreq(len(env), 0.01)[spectrum.argmax()] == pytest.approx(4.0, abs=0.5)
    ratio = out["cochleagram"].values[1, 20:-20, channel] / out["cochleagram"].values[0, 20:-20, channel]
    np.testing.assert_allclose(ratio, 2 ** 0.3, rtol=1e-3)


def test_moving_ripple_is_found_by_its_rate_scale_and_direction():
    frame_rate, spacing = 400.0, 0.25
    t = np.arange(800)[:, None] / frame_rate
    x = np.arange(126)[None, :] * spacing  # ERB
    bank = filter_bank()
    for rate, scale, direction in ((4.0, 0.5, "down"), (16.0, 0.25, "up")):
        sign = 1.0 if direction == "down" else -1.0
        ripple = np.cos(2 * np.pi * (rate * t + sign * scale * x))  # down: moves to lower x
        energy = modulation_energy(ripple, frame_rate, spacing, bank).mean(axis=(1, 2))
        joint = [k for k, f in enumerate(bank) if f.rate and f.scale]
        best = bank[max(joint, key=lambda k: energy[k])]
        assert (best.rate, best.scale, best.direction) == (rate, scale, direction)
        twin = next(k for k, f in enumerate(bank)
                    if (f.rate, f.scale) == (rate, scale) and f.direction != direction)
        assert energy[bank.index(best)] > 20 * energy[twin]


def test_temporal_filters_peak_at_the_amplitude_modulation_rate():
    out = SpectroTemporal().embed(tone(1000.0, seconds=1.0, am_hz=8.0)[None], ["modulation_energy"])
    energy = out["modulation_energy"].values.reshape(110, 126)
    bank = filter_bank()
    temporal = [k for k, f in enumerate(bank) if f.scale is None]
    assert bank[max(temporal, key=lambda k: energy[k].sum())].rate == 8.0


def test_layer_shapes_and_hops():
    out = SpectroTemporal().embed(np.zeros((2, 8000), dtype=np.float32), SpectroTemporal.layers)
    assert out["cochleagram"].values.shape == (2, 50, 126) and out["cochleagram"].hop_seconds == 0.01
    assert out["modulation_frames"].values.shape == (2, 50, 110)
    assert out["modulation_energy"].values.shape == (2, 1, 110 * 126)
    assert out["modulation_energy"].hop_seconds is None
