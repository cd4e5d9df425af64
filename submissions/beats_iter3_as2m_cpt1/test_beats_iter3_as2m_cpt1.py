"""`beats-iter3-as2m-cpt1`: the folder declares the authors' BEATs_iter3_finetuned_on_AS2M_cpt1.pt,
the study's name for it, and an encoder with exactly the released state-dict keys and shapes
(the AudioSet classifier included)."""

from brainscore_audio_submissions.beats.checks import check_release_plugin


def test_declares_the_release_and_its_layout():
    check_release_plugin("beats-iter3-as2m-cpt1", "BEATs_iter3_finetuned_on_AS2M_cpt1.pt",
                         "BEATs_iter3_finetuned_on_AS2M_cpt1", finetuned=True)
