"""`whisper-base`: the plugin's config is the published
architecture (74M parameters in all, Radford et al. 2023);
the pretrained id loads openai/whisper-base from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import parameter_count
from brainscore_audio.registry import models


def test_config_is_the_published_architecture():
    model = models.make("whisper-base")
    assert model.layers == [f"hidden{i}" for i in range(7)]
    assert model.sample_rate == 16000
    import torch
    from transformers import WhisperForConditionalGeneration

    with torch.device("meta"):
        whole = WhisperForConditionalGeneration(model.family.config)
    assert abs(sum(p.numel() for p in whole.parameters()) / 74e6 - 1) < 0.03  # base: 74M
    assert parameter_count(model) < 0.3 * 74e6  # only the encoder is built

def test_pretrained_id_loads_the_hub_checkpoint_and_the_twin_is_random():
    model = models.make("whisper-base")
    assert "needs-download" in models.entry("whisper-base").tags
    assert model.repo_id == "openai/whisper-base" and not model.random_weights
    twin = models.make("whisper-base-untrained")
    assert twin.random_weights and twin.layers == model.layers
    assert twin.checkpoint.startswith("random weights") and twin.version != model.version
