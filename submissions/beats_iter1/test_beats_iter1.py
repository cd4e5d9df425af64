"""`beats-iter1`: the folder declares the authors' BEATs_iter1.pt, the study's name for it, and an encoder
with exactly the released state-dict keys and shapes."""

from brainscore_audio_submissions.beats.checks import check_release_plugin


def test_declares_the_release_and_its_layout():
    check_release_plugin("beats-iter1", "BEATs_iter1.pt", "BEATs_iter1", finetuned=False)
