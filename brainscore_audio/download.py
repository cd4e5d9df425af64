"""Downloading, verifying and unpacking data sets (the machinery behind ``benchmark fetch``).

pooch does the HTTP/FTP/file fetching, resuming and hash checks. This module adds what every
fetcher needs on top: a sha256 of what was used (for score records), and safe unpacking.
Fetchers are tested against a loopback HTTP server or ``file://`` URLs serving archives the
tests write in the real layout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pooch

from .errors import UserError


def sha256_file(path: str | os.PathLike, chunk_bytes: int = 2**20) -> str:
    """Hex sha256 of a file, read in chunks (safe for multi-GB archives)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, folder: str | os.PathLike, filename: str | None = None,
             known_hash: str | None = None, progress: bool = True) -> Path:
    """Fetch ``url`` into ``folder`` (skipped if already there with the right hash).

    Args:
        known_hash: ``"sha256:<hex>"`` (or other pooch hash) to verify, or None when the
            publisher gives none (then record :func:`sha256_file` of the result instead).
    Returns:
        Path of the downloaded file.
    Raises:
        UserError: one line naming the URL on network errors or a hash mismatch.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    filename = filename or url.rstrip("/").split("/")[-1]
    downloader = None
    if url.startswith(("http://", "https://")):
        downloader = pooch.HTTPDownloader(progressbar=progress, timeout=60)
    try:
        path = pooch.retrieve(url, known_hash=known_hash, fname=filename, path=folder,
                              downloader=downloader, progressbar=progress)
    except ValueError as exc:  # pooch: hash mismatch
        raise UserError(f"{url}: downloaded file failed verification ({exc})") from exc
    except Exception as exc:  # requests/urllib/ftp errors
        raise UserError(f"{url}: download failed ({type(exc).__name__}: {exc})") from exc
    return Path(path)


def unpack(archive: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """Unpack a ``.tar``, ``.tar.gz``/``.tgz`` or ``.zip`` into ``destination`` safely.

    Members that would land outside ``destination`` (absolute paths, ``..``, links pointing
    out) are refused. Unpacking goes to a temporary sibling folder that is renamed into place,
    so an interrupted unpack never looks complete.
    """
    archive, destination = Path(archive), Path(destination)
    staging = destination.with_name(destination.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as handle:
                for member in handle.namelist():
                    _check_inside(staging, member, archive)
                handle.extractall(staging)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as handle:
                for member in handle.getmembers():
                    _check_inside(staging, member.name, archive)
                    if member.issym() or member.islnk():
                        _check_inside(staging, os.path.join(os.path.dirname(member.name),
                                                            member.linkname), archive)
                handle.extractall(staging)
        else:
            raise UserError(f"{archive}: not a tar or zip archive")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise UserError(f"{archive}: corrupt archive ({exc})") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if destination.exists():
        shutil.rmtree(destination)
    os.replace(staging, destination)
    return destination


def _check_inside(root: Path, member: str, archive: Path) -> None:
    target = (root / member).resolve()
    if not str(target).startswith(str(root.resolve()) + os.sep) and target != root.resolve():
        raise UserError(f"{archive}: refusing to unpack {member!r} outside the target folder")
