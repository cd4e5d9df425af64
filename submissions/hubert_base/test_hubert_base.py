"""`hubert-base`: the plugin's config is the published
architecture (95M parameters, Hsu et al. 2021);
the pretrained id loads facebook/hubert-base-ls960 from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import check_pretrained_and_twin, parameter_count
from brainscore_audio.registry import models


def test_config_is_the_published_architecture():
    model = models.make("hubert-base")
    assert model.layers == ["cnn"] + [f"hidden{i}" for i in range(13)]
    assert model.sample_rate == 16000
    assert model.family.hop_seconds == 0.02
    assert abs(parameter_count(model) / 95e6 - 1) < 0.02  # HuBERT Base: 95M parameters


def test_pretrained_id_loads_the_pinned_hub_checkpoint_and_the_twin_is_random():
    check_pretrained_and_twin("hubert-base")
