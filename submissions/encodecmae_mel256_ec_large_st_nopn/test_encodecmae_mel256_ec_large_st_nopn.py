"""`encodecmae-mel256-ec-large-st-nopn`: the folder declares the authors' hub file
mel256-ec-large_st-nopn.pt, the study's name for it, and an encoder taking exactly
the released encoder tensors and shapes."""

from brainscore_audio_submissions.encodecmae.checks import check_release_plugin


def test_declares_the_release_and_its_layout():
    check_release_plugin("encodecmae-mel256-ec-large-st-nopn", "mel256-ec-large_st-nopn",
                         model_dim=1024, layers=20)
