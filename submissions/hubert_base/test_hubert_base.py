"""`hubert-base`: the plugin's config is the published
architecture (95M parameters, Hsu et al. 2021);
the pretrained id loads facebook/hubert-base-ls960 from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import check_architecture, check_pretrained_and_twin


def test_config_is_the_published_architecture():
    layers = ["cnn"] + [f"hidden{i}" for i in range(13)]
    model = check_architecture("hubert-base", layers, 16000, 95e6)  # HuBERT Base: 95M
    assert model.family.hop_seconds == 0.02


def test_pretrained_id_loads_the_pinned_hub_checkpoint_and_the_twin_is_random():
    check_pretrained_and_twin("hubert-base")
