"""`clap-htsat`: the plugin's config is the published
architecture (HTS-AT: Swin depths 2-2-6-2, 96 to 768 channels, 64 mel bins at 48 kHz);
the pretrained id loads laion/clap-htsat-unfused from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import check_pretrained_and_twin, parameter_count
from brainscore_audio.registry import models


def test_config_is_the_published_architecture():
    model = models.make("clap-htsat")
    assert model.layers == ["patch_embed", "stage1", "stage2", "stage3", "stage4", "projection"]
    assert model.sample_rate == 48000
    config = model.family.config
    assert list(config.depths) == [2, 2, 6, 2] and config.patch_embeds_hidden_size == 96
    assert config.hidden_size == 768 and config.projection_dim == 512 and not config.enable_fusion
    assert 25e6 < parameter_count(model) < 35e6  # HTS-AT is about 30M parameters


def test_pretrained_id_loads_the_pinned_hub_checkpoint_and_the_twin_is_random():
    check_pretrained_and_twin("clap-htsat")
