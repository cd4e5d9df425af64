"""`ast-audioset`: the plugin's config is the published
architecture (87M parameters, 1212 patches, Gong et al. 2021);
the pretrained id loads MIT/ast-finetuned-audioset-10-10-0.4593 from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import check_architecture, check_pretrained_and_twin


def test_config_is_the_published_architecture():
    model = check_architecture("ast-audioset", [f"hidden{i}" for i in range(13)], 16000,
                               87e6)  # AST: 87M parameters
    assert model.family._grid() == (12, 101)  # 1212 patches of 16x16, stride 10 (the paper)


def test_pretrained_id_loads_the_pinned_hub_checkpoint_and_the_twin_is_random():
    check_pretrained_and_twin("ast-audioset")
