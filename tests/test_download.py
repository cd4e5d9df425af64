"""Download, verification and safe unpacking against a loopback HTTP server."""

from __future__ import annotations

import io
import tarfile

import pytest

from brainscore_audio.download import download, sha256_file, unpack
from brainscore_audio.errors import UserError


def _tar(path, files: dict[str, bytes]):
    with tarfile.open(path, "w") as handle:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            handle.addfile(info, io.BytesIO(data))


def test_download_verify_unpack(tmp_path, http_server):
    served = tmp_path / "served"
    served.mkdir()
    _tar(served / "data.tar", {"data/a.txt": b"hello", "data/sub/b.txt": b"world"})
    base = http_server(served)
    path = download(f"{base}/data.tar", tmp_path / "dl", progress=False)
    digest = sha256_file(path)
    again = download(f"{base}/data.tar", tmp_path / "dl", known_hash=f"sha256:{digest}",
                     progress=False)
    assert again == path
    out = unpack(path, tmp_path / "unpacked")
    assert (out / "data" / "sub" / "b.txt").read_bytes() == b"world"
    with pytest.raises(UserError, match="failed verification"):
        download(f"{base}/data.tar", tmp_path / "dl2", known_hash="sha256:" + "0" * 64,
                 progress=False)
    with pytest.raises(UserError, match="missing.tar: download failed"):
        download(f"{base}/missing.tar", tmp_path / "dl3", progress=False)


def test_unpack_refuses_path_traversal_and_garbage(tmp_path):
    _tar(tmp_path / "evil.tar", {"../escape.txt": b"x"})
    with pytest.raises(UserError, match="outside the target folder"):
        unpack(tmp_path / "evil.tar", tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out").exists()
    (tmp_path / "junk.tar").write_bytes(b"not an archive")
    with pytest.raises(UserError, match="not a tar or zip archive"):
        unpack(tmp_path / "junk.tar", tmp_path / "out")
