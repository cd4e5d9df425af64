"""`dasheng-06b`: the folder declares the authors' Zenodo file and the study's name for it, the
encoder has the published size and exactly the released state-dict layout (built on the meta
device), and the untrained twin is the same architecture."""

from brainscore_audio_submissions.dasheng_base.checks import check_dasheng_release

from brainscore_audio.registry import models


def test_declares_the_release_and_its_layout():
    check_dasheng_release("dasheng-06b", "dasheng_06b.pt", "dasheng_06B", nominal_parameters=600e6)


def test_untrained_twin_is_the_same_architecture():
    model, twin = models.make("dasheng-06b"), models.make("dasheng-06b-untrained")
    assert twin.weights is None and twin.architecture == model.architecture
    assert twin.layers == model.layers and len(model.layers) == 34
    assert twin.checkpoint == "untrained, torch.manual_seed(0)"


def test_a_release_downloads_and_loads_with_the_declared_size(tmp_path, http_server):
    """A checkpoint in the release layout (config of another size: the declared one wins, as in
    the dasheng package) loads exactly; its sha256 becomes the checkpoint."""
    import numpy as np
    import torch
    from brainscore_audio_submissions.dasheng_base.network import DashengEncoder
    from brainscore_audio_submissions.dasheng_base.releases import DashengRelease

    from brainscore_audio.weights import PublishedWeights

    tiny = {"embed_dim": 32, "depth": 2, "num_heads": 2}
    torch.manual_seed(4)
    source = DashengEncoder(**tiny).eval()
    state = {k.replace("front_end.bn.", "init_bn.1."): v for k, v in source.state_dict().items()}
    state["front_end.0.spectrogram.window"] = torch.hann_window(512)
    state["front_end.0.mel_scale.fb"] = source.front_end.fb.T.clone()
    served = tmp_path / "served"
    served.mkdir()
    config = {"embed_dim": 768, "depth": 12, "num_heads": 12, "target_length": 1008}
    torch.save({"model": state, "config": config}, served / "dasheng_06b.pt")
    weights = PublishedWeights(f"{http_server(served)}/dasheng_06b.pt?download=1", None, "test")
    model = DashengRelease("dasheng-test", tiny, weights, weights_dir=tmp_path / "w")
    audio = np.random.default_rng(0).uniform(-0.3, 0.3, (2, 8000)).astype(np.float32)
    out = model.embed(audio, ["norm"])
    with torch.no_grad():
        expected = source(torch.from_numpy(audio))[-1]
    np.testing.assert_allclose(out["norm"].values, expected.numpy(), atol=1e-5)
    assert model.checkpoint.startswith("dasheng_06b.pt sha256:")
