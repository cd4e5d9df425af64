"""`qwen2-audio-7b`: the plugin's config is the published architecture (8.4B
parameters, counted on the meta device), the revision is pinned, and in random-weights mode
the reduced architecture of the same family is what gets built (the conformance test runs
`benchmark validate` on it)."""

import re

from brainscore_audio.adapters.hf.model import RANDOM_WEIGHTS_ENV
from brainscore_audio.adapters.hf.plugin import parameter_count
from brainscore_audio.registry import models


def test_config_is_the_published_architecture():
    model = models.make("qwen2-audio-7b")
    assert model.repo_id == "Qwen/Qwen2-Audio-7B" and not model.random_weights
    assert re.fullmatch(r"[0-9a-f]{40}", model.revision)
    assert model.revision == "dd84470756e6277a71d4d7188773a43cde92696e"
    assert model.layers == ([f"encoder.hidden{i}" for i in range(33)]
                            + [f"decoder.hidden{i}" for i in range(33)])
    assert model.sample_rate == 16_000 and len(model.default_layers) == 12
    assert abs(parameter_count(model) / 8.4e9 - 1) < 0.01  # the hub's 8.4B parameters


def test_random_weights_mode_builds_the_reduced_architecture(monkeypatch):
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    model = models.make("qwen2-audio-7b")
    assert model.random_weights and model.version == "1+random-reduced"
    assert "reduced architecture config-validate.json" in model.checkpoint
    assert model.layers == ["encoder.hidden0", "encoder.hidden1", "encoder.hidden2",
                            "decoder.hidden0", "decoder.hidden1", "decoder.hidden2"]
    assert type(model.family).__name__ == "Qwen2AudioFamily"


def test_an_explicit_untrained_build_keeps_the_full_architecture(monkeypatch):
    """The reduced architecture is for checks in random-weights mode only, never a control."""
    from pathlib import Path

    from brainscore_audio.adapters.hf.plugin import hub_model

    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    plugin = str(Path(__file__).with_name("__init__.py"))
    twin = hub_model(plugin, "qwen2-audio-7b-untrained", random_weights=True)
    assert len(twin.layers) == 66 and twin.version == "1+random"
