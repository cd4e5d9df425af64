"""PublishedWeights: the `weights` entry of a plugin's metadata.yaml is read strictly, the file
downloads once over loopback HTTP, a published hash is enforced and the loaded file's sha256 is
what the record gets."""

from __future__ import annotations

import hashlib

import pytest

from brainscore_audio.errors import UserError
from brainscore_audio.weights import DownloadedModel, PublishedWeights


def _serve(tmp_path, http_server, payload: bytes, name: str = "model.pt") -> str:
    served = tmp_path / "served"
    served.mkdir()
    (served / name).write_bytes(payload)
    return f"{http_server(served)}/{name}?download=1&sig=x"


def test_published_hash_is_checked_and_recorded(tmp_path, http_server):
    payload = b"weights" * 100
    digest = hashlib.sha256(payload).hexdigest()
    weights = PublishedWeights(_serve(tmp_path, http_server, payload), digest, "test record")
    assert weights.filename == "model.pt"
    path, sha256 = weights.fetch(tmp_path / "w")
    assert path == tmp_path / "w" / "model.pt" and sha256 == digest
    assert weights.checkpoint(sha256) == f"model.pt sha256:{digest}"


def test_a_file_that_differs_from_the_published_hash_is_refused(tmp_path, http_server):
    weights = PublishedWeights(_serve(tmp_path, http_server, b"tampered"), "0" * 64, "test")
    with pytest.raises(UserError, match=r"model.pt\?download=1&sig=x: downloaded file failed "
                                        r"verification"):
        weights.fetch(tmp_path / "w")


def test_without_a_published_hash_the_files_own_sha256_is_recorded(tmp_path, http_server):
    payload = b"unpublished"
    weights = PublishedWeights(_serve(tmp_path, http_server, payload), None, "none published")
    assert weights.fetch(tmp_path / "w")[1] == hashlib.sha256(payload).hexdigest()


@pytest.mark.parametrize(("value", "message"), [
    ("https://x/m.pt", "'weights' must be a mapping with url, sha256 and source, got str"),
    ({"url": "https://x/m.pt"}, "'weights' lacks sha256, source"),
    ({"url": "ftp://x/m.pt", "sha256": None, "source": "s"}, "weights.url must be an http"),
    ({"url": "https://x/m.pt", "sha256": "ABC", "source": "s"},
     "weights.sha256 must be 64 lower-case hex digits or null, got 'ABC'"),
    ({"url": "https://x/m.pt", "sha256": None, "source": " "}, "weights.source must say where"),
    ({"url": "https://x/", "sha256": None, "source": "s"}, "weights.url 'https://x/' names no file"),
])
def test_bad_weights_entries_get_one_line(value, message):
    with pytest.raises(UserError, match=r"^meta.yaml: " + message.replace("(", r"\(")):
        PublishedWeights.from_mapping(value, "meta.yaml")


def test_of_plugin_reads_the_folder_metadata(tmp_path):
    (tmp_path / "metadata.yaml").write_text(
        "weights:\n  url: https://h/a/b.ckpt?x=1\n  sha256: null\n  source: none published\n")
    weights = PublishedWeights.of_plugin(tmp_path / "__init__.py")
    assert weights == PublishedWeights("https://h/a/b.ckpt?x=1", None, "none published")
    (tmp_path / "metadata.yaml").write_text("name: x\n")
    with pytest.raises(UserError, match="metadata.yaml: no 'weights' entry"):
        PublishedWeights.of_plugin(tmp_path / "__init__.py")


class _Linear(DownloadedModel):
    """A DownloadedModel whose checkpoint is a torch state dict of one Linear(2, 3)."""

    description = "test checkpoint"
    sample_rate = 16_000
    layers = default_layers = ["out"]

    def build(self):
        import torch

        return torch.nn.Linear(2, 3)

    def read_checkpoint(self, path):
        import torch

        module = self.build()
        module.load_state_dict(torch.load(path, weights_only=True))
        return module

    def embed(self, audio, layers):
        raise NotImplementedError


def test_downloaded_model_loads_the_file_and_records_its_sha256(tmp_path, http_server):
    import torch

    served = tmp_path / "served"
    served.mkdir()
    torch.manual_seed(3)
    torch.save(torch.nn.Linear(2, 3).state_dict(), served / "lin.pt")
    torch.save({"weight": torch.zeros(5)}, served / "bad.pt")
    base = http_server(served)
    model = _Linear("lin", PublishedWeights(f"{base}/lin.pt", None, "t"), tmp_path / "w")
    assert model.checkpoint is None  # no published hash: known once downloaded
    assert _Linear("lin", PublishedWeights(f"{base}/lin.pt", "ab" * 32, "t")).checkpoint == \
        f"lin.pt sha256:{'ab' * 32}"
    model.load()
    digest = hashlib.sha256((served / "lin.pt").read_bytes()).hexdigest()
    assert model.checkpoint == f"lin.pt sha256:{digest}" and model.version == "1"
    bad = _Linear("lin", PublishedWeights(f"{base}/bad.pt", None, "t"), tmp_path / "w")
    with pytest.raises(UserError, match=r"bad.pt: not the test checkpoint lin expects "
                                        r"\(RuntimeError: Error\(s\) in loading state_dict"):
        bad.load()


def test_downloaded_model_random_mode_and_untrained_twin_are_labelled(monkeypatch):
    import torch

    monkeypatch.setenv("BRAINSCORE_AUDIO_RANDOM_WEIGHTS", "1")
    model = _Linear("lin", PublishedWeights("https://invalid.example/lin.pt", None, "t"))
    model.load()  # no download
    assert model.version == "1+random" and model.identifier == "lin+random-weights"
    assert model.checkpoint == "random weights (torch seed 0) in the architecture of lin.pt"
    twin = _Linear("lin-untrained", None)
    twin.load()
    assert twin.checkpoint == "untrained, torch.manual_seed(0)"
    torch.testing.assert_close(twin._network.weight, model._network.weight)
