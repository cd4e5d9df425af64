"""`beats-iter3`: the folder declares the authors' BEATs_iter3.pt, the study's name for it, and an encoder
with exactly the released state-dict keys and shapes."""

from brainscore_audio_submissions.beats.checks import check_release_plugin


def test_declares_the_release_and_its_layout():
    check_release_plugin("beats-iter3", "BEATs_iter3.pt", "BEATs_iter3", finetuned=False)
