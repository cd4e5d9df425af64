"""`whisper-base`: the plugin's config is the published
architecture (74M parameters in all, Radford et al. 2023);
the pretrained id loads openai/whisper-base from the hub;
the twin is offline with seeded random weights."""

from brainscore_audio.adapters.hf.plugin import check_pretrained_and_twin, parameter_count
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


def test_pretrained_id_loads_the_pinned_hub_checkpoint_and_the_twin_is_random():
    check_pretrained_and_twin("whisper-base")
