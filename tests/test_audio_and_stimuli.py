"""Audio reading, checks, resampling; stimulus sets; the log-mel front end."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from brainscore_audio.audio import read_audio, resample
from brainscore_audio.dsp import hz_to_mel, log_mel_spectrogram, mel_filterbank, mel_to_hz
from brainscore_audio.errors import UserError
from brainscore_audio.stimuli import array_stimulus_set, file_stimulus_set


def _tone(freq, rate, seconds=0.5, amplitude=0.5):
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_read_round_trip_and_stereo_mixdown(tmp_path):
    left, right = _tone(440, 22050), _tone(660, 22050)
    path = tmp_path / "stereo.wav"
    soundfile.write(path, np.column_stack([left, right]), 22050, subtype="FLOAT")
    samples, rate = read_audio(path)
    assert rate == 22050 and samples.dtype == np.float32
    np.testing.assert_allclose(samples, (left + right) / 2, atol=1e-6)


@pytest.mark.parametrize("content,message", [
    (b"RIFF....WAVEfmt garbage", "unreadable audio"),
    (None, "audio file not found"),
])
def test_bad_files_give_one_line_errors_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=message) as info:
        read_audio(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_empty_and_nan_audio_are_rejected(tmp_path):
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(UserError, match=r"empty\.wav: audio is empty"):
        read_audio(empty)
    nan = tmp_path / "nan.wav"
    data = _tone(440, 16000)
    data[100] = np.nan
    soundfile.write(nan, data, 16000, subtype="FLOAT")
    with pytest.raises(UserError, match=r"nan\.wav: audio contains NaN"):
        read_audio(nan)


def test_resample_keeps_frequency_and_length():
    tone = _tone(1000, 44100, seconds=1.0)
    out = resample(tone, 44100, 16000)
    assert out.shape == (16000,)
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) == pytest.approx(1000, abs=1)  # 1 Hz bins for 1 s


def test_file_stimulus_set_loads_resamples_and_fingerprints(tmp_path):
    paths = []
    for i, freq in enumerate((300, 600)):
        paths.append(tmp_path / f"s{i}.wav")
        soundfile.write(paths[-1], _tone(freq, 8000), 8000)
    stimuli = file_stimulus_set("tones", ["a", "b"], paths, {"category": ["low", "high"]})
    assert stimuli.audio(1, 16000).shape == (8000,)
    first = stimuli.fingerprint()
    soundfile.write(paths[1], _tone(700, 8000), 8000)
    assert file_stimulus_set("tones", ["a", "b"], paths).fingerprint() != first
    with pytest.raises(UserError, match="missing.wav: stimulus audio not found"):
        file_stimulus_set("tones", ["c"], [tmp_path / "missing.wav"])


def test_generated_out_of_range_audio_is_rejected():
    stimuli = array_stimulus_set("loud", ["x"], [np.full(100, 2.0, dtype=np.float32)], 16000)
    with pytest.raises(UserError, match=r"x: samples must lie in \[-1, 1\]"):
        stimuli.audio(0, 16000)


def test_mel_scale_and_filterbank():
    assert mel_to_hz(hz_to_mel(1234.5)) == pytest.approx(1234.5)
    bank = mel_filterbank(16000, 400, 64, 50.0, 8000.0)
    assert bank.shape == (64, 201) and np.all(bank.sum(axis=1) > 0.3)  # no empty channel


def test_log_mel_puts_a_tone_in_its_band():
    frames = log_mel_spectrogram(_tone(1000, 16000)[None], 16000)
    assert frames.shape == (1, 1 + (8000 - 400) // 160, 64)
    edges = mel_to_hz(np.linspace(hz_to_mel(50), hz_to_mel(8000), 66))
    expected_band = int(np.argmin(np.abs(edges[1:-1] - 1000)))
    assert abs(int(np.argmax(frames[0].mean(axis=0))) - expected_band) <= 1
