"""`dasheng-12b`: the folder declares the authors' Zenodo file and the study's name for it, the
encoder has the published size and exactly the released state-dict layout (built on the meta
device), and the untrained twin is the same architecture."""

from brainscore_audio_submissions.dasheng_base.checks import check_dasheng_release

from brainscore_audio.registry import models


def test_declares_the_release_and_its_layout():
    check_dasheng_release("dasheng-12b", "dasheng_12b.pt", "dasheng_12B", nominal_parameters=1.2e9)


def test_untrained_twin_is_the_same_architecture():
    model, twin = models.make("dasheng-12b"), models.make("dasheng-12b-untrained")
    assert twin.weights is None and twin.architecture == model.architecture
    assert twin.layers == model.layers and len(model.layers) == 42
    assert twin.checkpoint == "untrained, torch.manual_seed(0)"
