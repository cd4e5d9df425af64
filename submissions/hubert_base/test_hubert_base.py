"""`hubert-base`: the plugin's config is the published
architecture (95M parameters, Hsu et al. 2021);
the pretrained id loads facebook/hubert-base-ls960 from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import parameter_count
from brainscore_audio.registry import models


def test_config_is_the_published_architecture():
    model = models.make("hubert-base")
    assert model.layers == ["cnn"] + [f"hidden{i}" for i in range(13)]
    assert model.sample_rate == 16000
    assert model.family.hop_seconds == 0.02
    assert abs(parameter_count(model) / 95e6 - 1) < 0.02  # HuBERT Base: 95M parameters

def test_pretrained_id_loads_the_hub_checkpoint_and_the_twin_is_random():
    model = models.make("hubert-base")
    assert "needs-download" in models.entry("hubert-base").tags
    assert model.repo_id == "facebook/hubert-base-ls960" and not model.random_weights
    twin = models.make("hubert-base-untrained")
    assert twin.random_weights and twin.layers == model.layers
    assert twin.checkpoint.startswith("random weights") and twin.version != model.version
