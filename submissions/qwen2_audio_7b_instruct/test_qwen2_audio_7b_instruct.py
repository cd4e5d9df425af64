"""`qwen2-audio-7b-instruct`: the plugin's config is the published architecture (8.4B
parameters, counted on the meta device), the revision is pinned, and in random-weights mode
the reduced architecture of the same family is what gets built (the conformance test runs
`benchmark validate` on it)."""

import re

from brainscore_audio.adapters.hf.model import RANDOM_WEIGHTS_ENV
from brainscore_audio.adapters.hf.plugin import parameter_count
from brainscore_audio.registry import models


def test_config_is_the_published_architecture():
    model = models.make("qwen2-audio-7b-instruct")
    assert model.repo_id == "Qwen/Qwen2-Audio-7B-Instruct" and not model.random_weights
    assert re.fullmatch(r"[0-9a-f]{40}", model.revision)
    assert model.revision == "0a095220c30b7b31434169c3086508ef3ea5bf0a"
    assert model.layers == ([f"encoder.hidden{i}" for i in range(33)]
                            + [f"decoder.hidden{i}" for i in range(33)])
    assert model.sample_rate == 16_000 and len(model.default_layers) == 12
    assert abs(parameter_count(model) / 8.4e9 - 1) < 0.01  # the hub's 8.4B parameters


def test_random_weights_mode_builds_the_reduced_architecture(monkeypatch):
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    model = models.make("qwen2-audio-7b-instruct")
    assert model.random_weights and model.version == "1+random-reduced"
    assert "reduced architecture config-validate.json" in model.checkpoint
    assert model.layers == ["encoder.hidden0", "encoder.hidden1", "encoder.hidden2",
                            "decoder.hidden0", "decoder.hidden1", "decoder.hidden2"]
    assert type(model.family).__name__ == "Qwen2AudioFamily"
