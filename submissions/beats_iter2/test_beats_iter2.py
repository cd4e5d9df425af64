"""`beats-iter2`: the folder declares the authors' BEATs_iter2.pt, the study's name for it, and an encoder
with exactly the released state-dict keys and shapes."""

from brainscore_audio_submissions.beats.checks import check_release_plugin


def test_declares_the_release_and_its_layout():
    check_release_plugin("beats-iter2", "BEATs_iter2.pt", "BEATs_iter2", finetuned=False)
