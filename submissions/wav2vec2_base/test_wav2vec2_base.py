"""`wav2vec2-base`: the plugin's config is the published
architecture (95M parameters, Baevski et al. 2020);
the pretrained id loads facebook/wav2vec2-base from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import check_architecture, check_pretrained_and_twin


def test_config_is_the_published_architecture():
    layers = ["cnn"] + [f"hidden{i}" for i in range(13)]
    model = check_architecture("wav2vec2-base", layers, 16000, 95e6)  # BASE: 95M parameters
    assert model.family.hop_seconds == 0.02
    assert model.default_layers == model.layers  # 14 layers: all are scored


def test_pretrained_id_loads_the_pinned_hub_checkpoint_and_the_twin_is_random():
    check_pretrained_and_twin("wav2vec2-base")
