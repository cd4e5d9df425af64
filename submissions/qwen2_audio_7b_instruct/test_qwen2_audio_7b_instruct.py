"""`qwen2-audio-7b-instruct`: the plugin's config is the published architecture (8.4B parameters, counted on
the meta device), the revision is pinned, and in random-weights mode the reduced architecture of
the same family is what gets built (the conformance test runs `benchmark validate` on it)."""

from brainscore_audio_submissions.qwen2_audio_7b.checks import (
    check_published_architecture,
    check_reduced_random_mode,
)


def test_config_is_the_published_architecture():
    check_published_architecture("qwen2-audio-7b-instruct", "Qwen/Qwen2-Audio-7B-Instruct",
                                 "0a095220c30b7b31434169c3086508ef3ea5bf0a")


def test_random_weights_mode_builds_the_reduced_architecture(monkeypatch):
    check_reduced_random_mode("qwen2-audio-7b-instruct", monkeypatch)
