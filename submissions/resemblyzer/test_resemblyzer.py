"""resemblyzer: the wheel's weights are real (utterances of one synthetic voice are closer than
those of different voices; the untrained twin cannot tell), the mel front end is librosa's
(Slaney filters), and partial windows follow resemblyzer's rule."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import torch
from brainscore_audio_submissions.resemblyzer.features import mel_filterbank, mel_power
from brainscore_audio_submissions.resemblyzer.model import Resemblyzer, partial_slices
from brainscore_audio_submissions.resemblyzer.network import SpeakerEncoder

from brainscore_audio.adapters.assets import package_file
from brainscore_audio.audio import read_audio, resample

SENTENCES = ("The quick brown fox jumps over the lazy dog near the river bank.",
             "Seven wise owls were sitting quietly on a branch in the old forest.")
VOICES = ("en-us", "en-us+f3", "en+klatt")  # male, female, Klatt-synthesiser voice


@pytest.fixture(scope="module")
def voices(tmp_path_factory):
    assert shutil.which("espeak-ng"), "espeak-ng is installed by .ci/run (APT_PACKAGES)"
    folder = tmp_path_factory.mktemp("voices")
    clips = {}
    for voice in VOICES:
        for index, sentence in enumerate(SENTENCES):
            path = folder / f"{voice}-{index}.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), sentence], check=True)
            audio, rate = read_audio(path)
            clips[voice, index] = resample(audio, rate, 16_000)
    return clips


def margin(model: Resemblyzer, clips) -> float:
    """min similarity of a voice's two sentences minus max similarity across voices."""
    emb = {k: model.embed(v[None], ["embedding"])["embedding"].values[0, 0] for k, v in clips.items()}
    same = [emb[v, 0] @ emb[v, 1] for v in VOICES]
    other = [emb[v, i] @ emb[w, j] for v in VOICES for w in VOICES if v < w
             for i in (0, 1) for j in (0, 1)]
    return min(same) - max(other)


@pytest.mark.slow
def test_same_voice_is_closer_than_other_voices_only_with_pretrained_weights(voices):
    assert margin(Resemblyzer(), voices) > 0.05
    assert margin(Resemblyzer(pretrained=False), voices) < 0.01


@pytest.mark.slow
def test_embedding_is_unit_norm_and_frame_layers_are_10_ms():
    audio = np.random.default_rng(0).uniform(-0.2, 0.2, (2, 24_000)).astype(np.float32)
    out = Resemblyzer().embed(audio, Resemblyzer.layers)
    np.testing.assert_allclose(np.linalg.norm(out["embedding"].values, axis=-1), 1.0, atol=1e-5)
    assert out["embedding"].values.shape == (2, 1, 256) and out["embedding"].hop_seconds is None
    for name in ("lstm1", "lstm2", "lstm3"):
        assert out[name].values.shape == (2, 1 + 24_000 // 160, 256)
        assert out[name].hop_seconds == 0.01


def test_partial_windows_follow_resemblyzer():
    assert partial_slices(8_000) == [(0, 160)]  # shorter than one partial: one, zero-padded
    # steps of round(16000 / 1.3 / 160) = 77 frames. 3 s: the window at frame 154 starts at
    # sample 24640 and covers (48000 - 24640) / 25600 = 91 % of its 1.6 s: kept.
    assert partial_slices(48_000) == [(0, 160), (77, 237), (154, 314)]
    # 5 s: the window at 385 would cover (80000 - 61600) / 25600 = 72 % < 75 %: dropped
    assert partial_slices(80_000) == [(0, 160), (77, 237), (154, 314), (231, 391), (308, 468)]


def test_mel_front_end_matches_slaney_filters_and_a_tone():
    weights = mel_filterbank()
    assert weights.shape == (40, 201)
    # Slaney normalisation: each triangle has area 2 / bandwidth * bandwidth / 2 = 1 (in Hz)
    np.testing.assert_allclose(weights.sum(axis=1) * 40.0, 1.0, rtol=0.15)
    t = np.arange(16_000) / 16_000
    power = mel_power((0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)[None])
    assert power.shape == (1, 101, 40) and int(power[0, 50].argmax()) in (12, 13)


@pytest.mark.slow
def test_checkpoint_maps_onto_the_stacked_lstm():
    state = torch.load(package_file("resemblyzer", "pretrained.pt"), map_location="cpu",
                       weights_only=True)["model_state"]
    net = SpeakerEncoder()
    net.load_resemblyzer_state(state)
    stacked = torch.nn.LSTM(40, 256, 3, batch_first=True)
    stacked.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
    mels = torch.rand(2, 30, 40)
    with torch.no_grad():
        np.testing.assert_allclose(net(mels)[-1].numpy(), stacked(mels)[0].numpy(), atol=1e-5)
