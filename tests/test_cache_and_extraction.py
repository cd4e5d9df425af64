"""Activation cache: round trip, invalidation, resume after a crash; extraction checks."""

from __future__ import annotations

import re

import numpy as np
import pytest
from fakes import CountingModel, tone_set

from brainscore_audio.cache import ActivationCache
from brainscore_audio.errors import UserError
from brainscore_audio.extraction import extract
from brainscore_audio.model import Activations


def test_second_extraction_reads_the_cache(tmp_path):
    cache, stimuli = ActivationCache(tmp_path), tone_set(10)
    first_model, second_model = CountingModel(), CountingModel()
    first = extract(first_model, stimuli, cache=cache, progress=False)
    second = extract(second_model, stimuli, cache=cache, progress=False)
    assert first_model.clips == 10 and second_model.calls == 0
    for name in ("energy", "spectrum"):
        np.testing.assert_array_equal(first.layers[name], second.layers[name])
        assert first.layers[name].shape == (10, 1 if name == "energy" else 8)
    assert second.hop_seconds == {"energy": 0.01, "spectrum": 0.01}


def test_only_missing_layers_are_extracted(tmp_path):
    cache, stimuli = ActivationCache(tmp_path), tone_set(6)
    extract(CountingModel(), stimuli, layers=["energy"], cache=cache, progress=False)
    model = CountingModel()
    spy_layers = []
    original = model.embed
    model.embed = lambda audio, layers: spy_layers.append(list(layers)) or original(audio, layers)
    extract(model, stimuli, cache=cache, progress=False)
    assert spy_layers and all(layers == ["spectrum"] for layers in spy_layers)


def test_version_change_or_new_audio_invalidates(tmp_path):
    cache = ActivationCache(tmp_path)
    extract(CountingModel("1"), tone_set(6), cache=cache, progress=False)
    bumped = CountingModel("2")
    extract(bumped, tone_set(6), cache=cache, progress=False)
    assert bumped.clips == 6
    other_audio = CountingModel("1")
    extract(other_audio, tone_set(8), cache=cache, progress=False)  # same id, other content
    assert other_audio.clips == 8


def test_interrupted_extraction_resumes_from_finished_chunks(tmp_path):
    cache, stimuli = ActivationCache(tmp_path), tone_set(10)
    crashing = CountingModel(crash_on_call=3)
    with pytest.raises(KeyboardInterrupt):
        extract(crashing, stimuli, cache=cache, chunk_size=2, batch_size=2, progress=False)
    assert crashing.clips == 4  # two chunks of 2 finished and were saved
    resumed = CountingModel()
    result = extract(resumed, stimuli, cache=cache, chunk_size=2, batch_size=2, progress=False)
    assert resumed.clips == 6
    fresh = extract(CountingModel(), stimuli, cache=None, progress=False)
    for name in ("energy", "spectrum"):
        np.testing.assert_allclose(result.layers[name], fresh.layers[name])
    assert not any(p.name.startswith("chunk") for p in tmp_path.rglob("*"))


def test_framed_activations_round_trip(tmp_path):
    cache, stimuli = ActivationCache(tmp_path), tone_set(10, varied_length=True)
    first = extract(CountingModel(), stimuli, pooling="none", cache=cache, progress=False)
    again = extract(CountingModel(), stimuli, pooling="none", cache=cache, progress=False)
    assert [a.shape[0] for a in first.layers["energy"]] == [
        int(8000 * (0.2 + 0.02 * i)) // 80 for i in range(10)]
    for a, b in zip(first.layers["spectrum"], again.layers["spectrum"], strict=True):
        np.testing.assert_array_equal(a, b)


def test_nan_activations_and_unknown_layers_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="layer 'spectrum': NaN or infinite activations for "
                                        "stimulus s0"):
        extract(CountingModel(nan_layer="spectrum"), tone_set(4), progress=False)
    with pytest.raises(UserError, match="has no layer"):
        extract(CountingModel(), tone_set(4), layers=["nope"], progress=False)


class _OddOutputModel(CountingModel):
    """The counting model with its ``energy`` layer replaced by ``make(values)``."""

    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def embed(self, audio, layers):
        out = super().embed(audio, layers)
        values = out["energy"].values
        out["energy"] = Activations(self.make(values), out["energy"].hop_seconds)
        return out


@pytest.mark.parametrize("make,message", [
    (lambda v: v.astype(np.complex64), "has complex dtype complex64; expected real floating"),
    (lambda v: (v * 100).astype(np.int16), "has dtype int16; expected floating-point values"),
    (lambda v: v[:, :, :0], r"has shape \(4, \d+, 0\); expected at least one feature"),
])
def test_complex_integer_and_zero_width_outputs_are_user_errors(make, message):
    """Issue 11 item 2: the imaginary part used to be dropped with a warning, and a (n, 0)
    layer scored 0.0; both now stop the extraction with one line naming the layer."""
    with pytest.raises(UserError, match="model 'counting', layer 'energy': embed\\(\\) output "
                                        + message) as info:
        extract(_OddOutputModel(make), tone_set(4), progress=False)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("make,message", [
    (lambda v: v.astype(np.complex64), "has complex dtype complex64; expected real floating"),
    (lambda v: v.astype(np.int64), "has dtype int64; expected floating-point values"),
    (lambda v: v[:, :, :0], r"has shape \(2, \d+, 0\); expected at least one feature"),
])
def test_validate_reports_complex_integer_and_zero_width_layers(make, message):
    from brainscore_audio.registry import models
    from brainscore_audio.validate import validate_model

    class Odd(_OddOutputModel):
        identifier = "odd-output-test"

        def __init__(self) -> None:
            super().__init__(make)

    models.register("odd-output-test", Odd)
    try:
        problems = validate_model("odd-output-test", clip_seconds=(0.25,))
    finally:
        del models.entries["odd-output-test"]
    assert len(problems) == 1
    assert re.fullmatch("odd-output-test: layer 'energy' on 0.25 s clips: " + message + ".*",
                        problems[0]), problems
