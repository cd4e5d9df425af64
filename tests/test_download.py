"""Downloads and unpacking against hostile answers served over 127.0.0.1: links that lead out of
the data folder, device nodes, setuid bits and foreign owners, decompression bombs, HTML pages,
transfers cut short, truncated and corrupt archives. Each test asserts the one-line error,
that nothing lands outside the data folder, and that a working release survives."""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from brainscore_audio.download import (
    DownloadRefused,
    clean_leftovers,
    download,
    extract,
    install,
    sha256_file,
    staging_path,
    unpack,
)
from brainscore_audio.errors import UserError


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w"):
    with tarfile.open(path, mode) as handle:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            handle.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes, **attributes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    for key, value in attributes.items():
        setattr(info, key, value)
    return info, data


def _link(name: str, target: str, kind: bytes) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def _tree(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every path below ``root`` (links not followed) with its mode and file content."""
    out = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        content = path.read_bytes() if stat.S_ISREG(info.st_mode) else None
        out[path.relative_to(root).as_posix()] = (info.st_mode, content)
    return out


@pytest.fixture
def place(tmp_path):
    """A sandbox: ``outside/victim.txt`` must survive, and a working release lies in
    ``data/release`` (the destination of every unpack here)."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "victim.txt").write_text("precious")
    release = tmp_path / "data" / "release"
    release.mkdir(parents=True)
    (release / "working.txt").write_text("the release in use")
    (tmp_path / "served").mkdir()
    return tmp_path


def _served_unpack(place: Path, http_server, name: str, **kwargs) -> Path:
    """Download ``served/name`` over loopback HTTP and unpack it onto the working release."""
    url = f"{http_server(place / 'served')}/{name}"
    archive = download(url, place / "data" / "downloads", progress=False)
    return unpack(archive, place / "data" / "release", progress=False, **kwargs)


def _assert_nothing_changed(place: Path, before: dict) -> None:
    after = _tree(place)
    assert {k: v for k, v in after.items() if not k.startswith("data/downloads")} == \
        {k: v for k, v in before.items() if not k.startswith("data/downloads")}
    assert (place / "outside" / "victim.txt").read_text() == "precious"
    assert (place / "data" / "release" / "working.txt").read_text() == "the release in use"
    assert not list((place / "data").glob(".*"))  # no staging folder or old copy left
    assert not list((place / "data" / "downloads").glob("*"))  # the bad archive is gone


def test_download_verify_unpack(tmp_path, http_server):
    served = tmp_path / "served"
    served.mkdir()
    _tar(served / "data.tar", [_file("data/a.txt", b"hello"), _file("data/sub/b.txt", b"world")])
    base = http_server(served)
    path = download(f"{base}/data.tar", tmp_path / "dl", progress=False)
    digest = sha256_file(path)
    again = download(f"{base}/data.tar", tmp_path / "dl", known_hash=f"sha256:{digest}",
                     progress=False)
    assert again == path and sha256_file(again) == digest
    out = unpack(path, tmp_path / "unpacked", progress=False)
    assert (out / "data" / "sub" / "b.txt").read_bytes() == b"world"
    with pytest.raises(UserError, match="failed verification: its sha256 does not match the "
                                        "published sha256:0000"):
        download(f"{base}/data.tar", tmp_path / "dl2", known_hash="sha256:" + "0" * 64,
                 progress=False)
    assert not list((tmp_path / "dl2").iterdir())  # nothing kept
    with pytest.raises(DownloadRefused, match="missing.tar: the server answered HTTP 404"):
        download(f"{base}/missing.tar", tmp_path / "dl3", progress=False)
    file_url = (served / "data.tar").as_uri()
    assert download(file_url, tmp_path / "dl4", progress=False).read_bytes() == \
        (served / "data.tar").read_bytes()


@pytest.mark.parametrize("members, refusal", [
    # chained symlinks: l1 -> ".", l1/l2 -> "..", then a file through the chain
    ([_link("l1", ".", tarfile.SYMTYPE), _link("l1/l2", "..", tarfile.SYMTYPE),
      _file("l1/l2/outside/victim.txt", b"overwritten")],
     "refusing member 'l1': a symbolic link to '.'"),
    ([_link("escape", "../../outside", tarfile.SYMTYPE), _file("escape/victim.txt", b"owned")],
     "refusing member 'escape': a symbolic link to '../../outside'"),
    # a hard link to a file outside, then content written through it
    ([_link("hard", "../../outside/victim.txt", tarfile.LNKTYPE), _file("hard", b"owned")],
     "refusing member 'hard': a hard link to '../../outside/victim.txt'"),
    ([_link("dev", "", tarfile.CHRTYPE)], "refusing member 'dev': a device node"),
    ([_link("fifo", "", tarfile.FIFOTYPE)], "refusing member 'fifo': a FIFO"),
    ([_file("../../outside/victim.txt", b"owned")], "it points outside the target folder"),
    ([_file("/tmp/absolute.txt", b"owned")], "refusing member '/tmp/absolute.txt': absolute path"),
])
def test_hostile_tar_members_are_refused(place, http_server, members, refusal):
    _tar(place / "served" / "evil.tar.gz", members, "w:gz")
    before = _tree(place)
    with pytest.raises(UserError) as error:
        _served_unpack(place, http_server, "evil.tar.gz")
    message = str(error.value)
    assert refusal in message and "\n" not in message
    assert "the archive was deleted; run the same command again to download it anew" in message
    _assert_nothing_changed(place, before)
    assert not Path("/tmp/absolute.txt").exists()


def test_setuid_bits_and_foreign_owners_are_not_kept(place, http_server):
    _tar(place / "served" / "modes.tar", [
        _file("tool", b"#!/bin/sh\n", mode=0o6777, uid=0, gid=0, uname="root", gname="root"),
        _file("data.txt", b"x", mode=0o666, uid=12345, uname="someone"),
    ])
    release = _served_unpack(place, http_server, "modes.tar")
    assert not (release / "working.txt").exists()  # replaced by the new content
    tool, data = (release / "tool").stat(), (release / "data.txt").stat()
    assert stat.S_IMODE(tool.st_mode) == 0o755 and stat.S_IMODE(data.st_mode) == 0o644
    assert tool.st_uid == data.st_uid == os.getuid()


def _gzip_bomb(path: Path, size: int = 2**30) -> Path:
    """A tar.gz of about 1 MB holding one ``size``-byte member of zeros (concatenated gzip
    members of the same compressed MiB, which gzip readers accept)."""
    info = tarfile.TarInfo("zeros.bin")
    info.size = size
    chunk = gzip.compress(bytes(2**20), compresslevel=9)
    with open(path, "wb") as handle:
        handle.write(gzip.compress(info.tobuf(tarfile.GNU_FORMAT)))
        for _ in range(size // 2**20):
            handle.write(chunk)
        handle.write(gzip.compress(bytes(1024)))
    return path


def test_a_decompression_bomb_is_refused_before_it_is_written(place, http_server):
    bomb = _gzip_bomb(place / "served" / "bomb.tar.gz")
    assert bomb.stat().st_size < 1.1 * 2**20
    before = _tree(place)
    with pytest.raises(UserError, match=r"bomb.tar.gz: unpacks to more than 256.0 MiB \(member "
                                        r"'zeros.bin' brings it to 1.00 GiB\): refused as a "
                                        "decompression bomb; the archive was deleted"):
        _served_unpack(place, http_server, "bomb.tar.gz")
    _assert_nothing_changed(place, before)


def test_zip_members_are_held_to_the_same_rules(place, http_server):
    with zipfile.ZipFile(place / "served" / "traversal.zip", "w") as handle:
        handle.writestr("../outside.txt", b"owned")
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(place / "served" / "link.zip", "w") as handle:
        handle.writestr(link, "../../outside/victim.txt")
    with zipfile.ZipFile(place / "served" / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("zeros.bin", bytes(300 * 2**20))
    assert (place / "served" / "bomb.zip").stat().st_size < 2**20
    before = _tree(place)
    for name, refusal in (("traversal.zip", "refusing member '../outside.txt'"),
                          ("link.zip", "refusing member 'link': a symbolic link"),
                          ("bomb.zip", "refused as a decompression bomb")):
        with pytest.raises(UserError, match=refusal):
            _served_unpack(place, http_server, name)
        _assert_nothing_changed(place, before)


def test_an_html_page_is_never_saved_as_the_file(place, http_server):
    page = b"<!DOCTYPE html>\n<html><body>Checking your browser...</body></html>"
    (place / "served" / "data.tar.gz").write_bytes(page)
    base = http_server(place / "served", answers={
        "/challenge.zip": (403, {"Content-Type": "text/html; charset=utf-8"}, page)})
    downloads = place / "data" / "downloads"
    with pytest.raises(UserError, match="data.tar.gz: the server sent an HTML page .*not the "
                                        "file; the download was deleted; run the same"):
        download(f"{base}/data.tar.gz", downloads, progress=False)
    with pytest.raises(DownloadRefused, match="challenge.zip: the server answered HTTP 403 "
                                              "Forbidden with an HTML page") as refused:
        download(f"{base}/challenge.zip", downloads, progress=False)
    assert refused.value.status == 403 and refused.value.html
    assert not list(downloads.iterdir())
    # a bad file left in place by an older version is replaced, not reused
    (place / "served" / "S01.mat").write_bytes(b"MATLAB 5.0 MAT-file, real content")
    (downloads / "S01.mat").write_bytes(page)
    assert download(f"{base}/S01.mat", downloads, progress=False).read_bytes().startswith(
        b"MATLAB 5.0")


def test_a_transfer_cut_short_keeps_nothing(place, http_server):
    body = gzip.compress(b"x" * 5000)
    base = http_server(place / "served", answers={
        "/cut.tar.gz": (200, {"Content-Length": str(len(body) + 1000)}, body)})
    downloads = place / "data" / "downloads"
    with pytest.raises(UserError, match="cut.tar.gz: the transfer was cut short .*nothing was "
                                        "kept; run the same command again to download it anew"):
        download(f"{base}/cut.tar.gz", downloads, progress=False)
    assert not list(downloads.iterdir())


def test_truncated_and_corrupt_archives_are_deleted_with_a_hint(place, http_server):
    good = _tar(place / "good.tar.gz", [_file("a.bin", os.urandom(200_000))], "w:gz").read_bytes()
    (place / "served" / "truncated.tar.gz").write_bytes(good[: len(good) // 2])
    (place / "served" / "corrupt.tar.gz").write_bytes(good[:20] + b"\x00garbage" * 500)
    before = {k: v for k, v in _tree(place).items() if k != "good.tar.gz"}
    (place / "good.tar.gz").unlink()
    for name in ("truncated.tar.gz", "corrupt.tar.gz"):
        with pytest.raises(UserError, match=f"{name}: truncated or corrupt archive .*the archive "
                                            "was deleted; run the same command again"):
            _served_unpack(place, http_server, name)
        _assert_nothing_changed(place, before)


def test_a_failed_validation_keeps_the_working_release(place, http_server):
    _tar(place / "served" / "wrong.tar", [_file("unexpected/readme.txt", b"not the data")])

    def validate(folder: Path) -> None:
        if not (folder / "data").is_dir():
            raise UserError("wrong.tar: no data/ folder")

    before = _tree(place)
    with pytest.raises(UserError, match="no data/ folder"):
        _served_unpack(place, http_server, "wrong.tar", validate=validate)
    after = _tree(place)
    assert {k: v for k, v in after.items() if not k.startswith("data/downloads")} == \
        {k: v for k, v in before.items() if not k.startswith("data/downloads")}


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path, http_server):
    served = tmp_path / "served"
    served.mkdir()
    _tar(served / "data.tar", [_file("new.txt", b"new")])
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / "data.tar.part").write_bytes(b"half a download")
    path = download(f"{http_server(served)}/data.tar", downloads, progress=False)
    assert sorted(p.name for p in downloads.iterdir()) == ["data.tar"]
    # killed during a swap: the old copy was moved aside, the new one not yet moved in
    release = tmp_path / "release"
    aside = tmp_path / ".release.old"
    aside.mkdir()
    (aside / "working.txt").write_text("old")
    staging_path(release).mkdir()
    (staging_path(release) / "half.txt").write_text("half")
    clean_leftovers(release)
    assert (release / "working.txt").read_text() == "old"
    assert not aside.exists() and not staging_path(release).exists()
    unpack(path, release, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["downloads", "release", "served"]
    assert (release / "new.txt").read_text() == "new" and not (release / "working.txt").exists()


def test_extract_and_install_refuse_misuse(tmp_path):
    (tmp_path / "junk.tar").write_bytes(b"not an archive")
    with pytest.raises(UserError, match="junk.tar: not a tar or zip archive; the archive was "
                                        "deleted"):
        extract(tmp_path / "junk.tar", tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "junk.tar").exists()
    _tar(tmp_path / "ok.tar", [_file("a", b"1")])
    (tmp_path / "exists").mkdir()
    with pytest.raises(UserError, match="exists: unpacking needs a new folder"):
        extract(tmp_path / "ok.tar", tmp_path / "exists")
    new = extract(tmp_path / "ok.tar", tmp_path / "new", progress=False)
    assert install(new, tmp_path / "final") == tmp_path / "final"
    assert (tmp_path / "final" / "a").read_bytes() == b"1" and not new.exists()
