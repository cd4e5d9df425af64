"""`qwen2-audio-7b`: the plugin's config is the published architecture (8.4B parameters, counted on
the meta device), the revision is pinned, and in random-weights mode the reduced architecture of
the same family is what gets built (the conformance test runs `benchmark validate` on it)."""

from brainscore_audio_submissions.qwen2_audio_7b.checks import (
    check_published_architecture,
    check_reduced_random_mode,
)


def test_config_is_the_published_architecture():
    check_published_architecture("qwen2-audio-7b", "Qwen/Qwen2-Audio-7B",
                                 "dd84470756e6277a71d4d7188773a43cde92696e")


def test_random_weights_mode_builds_the_reduced_architecture(monkeypatch):
    check_reduced_random_mode("qwen2-audio-7b", monkeypatch)


def test_an_explicit_untrained_build_keeps_the_full_architecture(monkeypatch):
    """The reduced architecture is for checks in random-weights mode only, never a control."""
    from pathlib import Path

    from brainscore_audio.adapters.hf.model import RANDOM_WEIGHTS_ENV
    from brainscore_audio.adapters.hf.plugin import hub_model

    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    plugin = str(Path(__file__).with_name("__init__.py"))
    twin = hub_model(plugin, "qwen2-audio-7b-untrained", random_weights=True)
    assert len(twin.layers) == 66 and twin.version == "1+random"
