"""PublishedWeights: the `weights` entry of a plugin's metadata.yaml is read strictly, the file
downloads once over loopback HTTP, a published hash is enforced and the loaded file's sha256 is
what the record gets."""

from __future__ import annotations

import hashlib

import pytest

from brainscore_audio.errors import UserError
from brainscore_audio.weights import PublishedWeights


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
