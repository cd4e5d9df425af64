"""Checks shared by the tests of the Qwen2-Audio plugin folders (qwen2_audio_7b, _instruct)."""

from __future__ import annotations

import re

from brainscore_audio.adapters.hf.model import RANDOM_WEIGHTS_ENV
from brainscore_audio.adapters.hf.plugin import parameter_count
from brainscore_audio.registry import models


def check_published_architecture(model_id: str, repo_id: str, revision: str) -> None:
    """The plugin's config is the published architecture (8.4B parameters, counted on the meta
    device: no memory) and the weights are pinned to a commit."""
    model = models.make(model_id)
    assert model.repo_id == repo_id and not model.random_weights
    assert re.fullmatch(r"[0-9a-f]{40}", model.revision) and model.revision == revision
    assert model.layers == ([f"encoder.hidden{i}" for i in range(33)]
                            + [f"decoder.hidden{i}" for i in range(33)])
    assert model.sample_rate == 16_000 and len(model.default_layers) == 12
    assert abs(parameter_count(model) / 8.4e9 - 1) < 0.01  # the hub's 8.4B parameters


def check_reduced_random_mode(model_id: str, monkeypatch) -> None:
    """In random-weights mode the folder's reduced architecture of the same family is built."""
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    model = models.make(model_id)
    assert model.random_weights and model.version == "1+random-reduced"
    assert "reduced architecture config-validate.json" in model.checkpoint
    assert model.layers == ["encoder.hidden0", "encoder.hidden1", "encoder.hidden2",
                            "decoder.hidden0", "decoder.hidden1", "decoder.hidden2"]
    assert type(model.family).__name__ == "Qwen2AudioFamily"
