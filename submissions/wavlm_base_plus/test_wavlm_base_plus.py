"""`wavlm-base-plus`: the plugin's config is the published
architecture (94.70M parameters, Chen et al. 2022);
the pretrained id loads microsoft/wavlm-base-plus from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import check_architecture, check_pretrained_and_twin


def test_config_is_the_published_architecture():
    layers = ["cnn"] + [f"hidden{i}" for i in range(13)]
    model = check_architecture("wavlm-base-plus", layers, 16000, 94.70e6, 0.01)  # 94.70M
    assert model.family.hop_seconds == 0.02
    assert model.family.config.num_buckets == 320  # gated relative position bias


def test_pretrained_id_loads_the_pinned_hub_checkpoint_and_the_twin_is_random():
    check_pretrained_and_twin("wavlm-base-plus")
