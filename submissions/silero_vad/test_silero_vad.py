"""silero-vad: the wheel's graph is real (speech probability high on synthetic speech, low on
noise and silence), the ONNX streaming agrees with the wheel's own TorchScript model, and the
layers are one frame per 32 ms chunk."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import torch
from brainscore_audio_submissions.silero_vad.model import SileroVAD

from brainscore_audio.adapters.assets import package_file
from brainscore_audio.audio import read_audio, resample


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    assert shutil.which("espeak-ng"), "espeak-ng is installed by .ci/run (APT_PACKAGES)"
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path),
                    "Hello there, this is a test of voice activity detection."], check=True)
    audio, rate = read_audio(path)
    return resample(audio, rate, 16_000)[:32_000]


def test_speech_probability_is_high_on_speech_and_low_on_noise(speech):
    noise = (0.05 * np.random.default_rng(0).standard_normal(len(speech))).astype(np.float32)
    silence = np.zeros_like(speech)
    prob = SileroVAD().embed(np.stack([speech, noise, silence]), ["speech_prob"])["speech_prob"]
    means = prob.values[:, :, 0].mean(axis=1)
    assert means[0] > 0.7 and means[1] < 0.1 and means[2] < 0.1


def test_streaming_matches_the_wheels_torchscript_model(speech):
    ours = SileroVAD().embed(speech[None], ["speech_prob"])["speech_prob"].values[0, :, 0]
    jit = torch.jit.load(str(package_file("silero_vad", "data", "silero_vad.jit")), map_location="cpu")
    jit.reset_states()
    padded = np.pad(speech, (0, -len(speech) % 512))
    with torch.no_grad():
        reference = [float(jit(torch.from_numpy(padded[k:k + 512])[None], 16_000))
                     for k in range(0, len(padded), 512)]
    np.testing.assert_allclose(ours, reference, atol=1e-4)


def test_frames_are_32_ms_chunks_with_declared_sizes():
    out = SileroVAD().embed(np.zeros((2, 1_000), dtype=np.float32), SileroVAD.layers)
    dims = {name: act.values.shape[2] for name, act in out.items()}
    assert dims == {"stft": 516, "conv1": 512, "conv2": 128, "conv3": 64, "conv4": 128,
                    "lstm": 128, "speech_prob": 1}
    for act in out.values():
        assert act.values.shape[:2] == (2, 2) and act.hop_seconds == 0.032
