"""`encodecmae-ec-ec-base`: the folder declares the authors' hub file ec-ec-base.pt, the study's
name for it, and an encoder taking exactly the released encoder tensors and shapes, the EnCodec
24 kHz encoder's included."""

from brainscore_audio_submissions.encodecmae.checks import check_release_plugin


def test_declares_the_release_and_its_layout():
    check_release_plugin("encodecmae-ec-ec-base", "ec-ec-base", model_dim=768, layers=10,
                         encodec=True)
