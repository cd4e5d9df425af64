"""`encodecmae-mel256-ec-base-fma`: the folder declares the authors' hub file
mel256-ec-base-fma.pt, the study's name for it, and an encoder taking exactly
the released encoder tensors and shapes."""

from brainscore_audio_submissions.encodecmae.checks import check_release_plugin


def test_declares_the_release_and_its_layout():
    check_release_plugin("encodecmae-mel256-ec-base-fma", "mel256-ec-base-fma",
                         model_dim=768, layers=10)
