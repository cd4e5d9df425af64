"""Downloading, checking and safely unpacking data sets (the machinery behind ``benchmark fetch``).

Every fetcher goes through these functions, so every data set gets the same guarantees:

- **Downloads** (:func:`download`) are written to ``<name>.part`` and get their final name only
  when complete and plausible: the HTTP status is 2xx, the transfer was not cut short, the hash
  matches where one is published, the file is not an HTML page (an error, login or
  browser-check page), and it starts like the file type its name promises (gzip, zip, tar,
  MATLAB, wav, npy). A bad download is deleted and reported in one line that says what to do. A
  file already in place is checked the same way before it is reused, so a bad file left by an
  older version is fetched again rather than failing every retry.
- **Unpacking** (:func:`extract`) writes only regular files and folders, all inside the target
  folder. This is stricter than tarfile's ``data`` filter: links (symbolic or hard), devices and
  FIFOs are refused, names with ``..`` or absolute paths are refused, and nothing of the
  archive's owners or special bits is kept (files are created by the current user with
  ``rw-r--r--``, or ``rwxr-xr-x`` when the member is executable). The total size is capped
  (decompression bombs) and checked against the free disk space. A refused, truncated or corrupt
  archive is deleted so the next run downloads it anew.
- **Replacing a release** (:func:`unpack`, :func:`install`) happens only after validation: the
  archive is unpacked into a staging folder beside the destination, the caller validates it and
  writes its manifest into it, and only then is it swapped into place. A wrong archive (even with
  ``--force``) never deletes a working release, and the manifest appears together with the data.
- **Leftovers** of a killed run (``.part`` files, staging folders, a release moved aside during
  the swap) are removed, or put back, by the next run (:func:`clean_leftovers`).

pooch does the HTTP/FTP transfers (streaming, progress bar) and the hash comparison.
"""

from __future__ import annotations

import contextlib
import hashlib
import lzma
import os
import shutil
import stat
import tarfile
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pooch

from .errors import UserError

USER_AGENT = "brainscore-audio (https://pypi.org/project/brainscore-audio)"
PART_SUFFIX = ".part"
HTML_PROBLEM = "the server sent an HTML page"
#: HTTP statuses with which sites answer robots (login, browser check, rate limit).
BLOCKING_STATUSES = (401, 403, 429, 503)
RETRY = "run the same command again to download it anew"
#: Default unpacking cap: this many times the archive's size, and at least MIN_CAP_BYTES.
#: Audio and arrays compress less than 2:1; a ratio far beyond 20:1 is a decompression bomb.
MAX_RATIO = 20
MIN_CAP_BYTES = 256 * 2**20
MAX_MEMBERS = 2_000_000
#: The file types a name promises: suffix -> (check, what it is).
_MAGIC: dict[str, tuple[Callable[[bytes], bool], str]] = {
    ".gz": (lambda head: head.startswith(b"\x1f\x8b"), "a gzip file"),
    ".tgz": (lambda head: head.startswith(b"\x1f\x8b"), "a gzip file"),
    ".zip": (lambda head: head[:4] in (b"PK\x03\x04", b"PK\x05\x06"), "a zip archive"),
    ".tar": (lambda head: len(head) >= 262 and head[257:262] == b"ustar", "a tar archive"),
    ".mat": (lambda head: head.startswith(b"MATLAB"), "a MATLAB file"),
    ".wav": (lambda head: head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE",
             "a wav file"),
    ".npy": (lambda head: head.startswith(b"\x93NUMPY"), "a numpy array"),
}


class DownloadRefused(UserError):
    """The server answered with an error status (``status``), e.g. 403 from a browser check, or
    with an HTML page in place of the file (``status`` 200, ``html``).

    Fetchers that know a manual route (Deep Blue, Globus) catch this to say so.
    """

    def __init__(self, message: str, status: int | None, html: bool) -> None:
        super().__init__(message)
        self.status = status
        self.html = html


def sha256_file(path: str | os.PathLike, chunk_bytes: int = 2**20) -> str:
    """Hex sha256 of a file, read in chunks (safe for multi-GB archives)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(block)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- downloading


def download(url: str, folder: str | os.PathLike, filename: str | None = None,
             known_hash: str | None = None, progress: bool = True, retry: str = RETRY,
             size: int | None = None) -> Path:
    """Fetch ``url`` into ``folder / filename`` unless a good copy is already there.

    Args:
        url: ``http(s)://``, ``ftp://``, ``sftp://`` or ``file://``.
        filename: the name to save under (default: the URL's last path component).
        known_hash: ``"sha256:<hex>"`` (or another pooch hash) to verify, or None when the
            publisher gives none (then record :func:`sha256_file` of the result instead).
        retry: what the user should do after a bad download, for the error line.
        size: the size in bytes a listing gives for the file (checked, like a hash), or None.
    Returns:
        Path of the checked file.
    Raises:
        DownloadRefused: the server answered with an error status (the line names it, and says
            when the answer was an HTML page), or with an HTML page in place of the file.
        UserError: one line naming the URL for network errors, a transfer cut short, a hash
            mismatch, an HTML page or a file of the wrong type (the bad file is deleted).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    filename = filename or urllib.parse.unquote(urllib.parse.urlparse(url).path.rstrip("/")
                                                .rsplit("/", 1)[-1])
    target = folder / filename
    part = folder / (filename + PART_SUFFIX)
    part.unlink(missing_ok=True)  # left by a killed run
    if target.is_file():
        if content_problem(target, known_hash, size) is None:
            return target
        target.unlink()  # a bad file from an earlier run: fetch it again
    _transfer(url, part, progress, retry)
    problem = content_problem(part, known_hash, size)
    if problem is not None:
        part.unlink(missing_ok=True)
        message = f"{url}: {problem}; the download was deleted; {retry}"
        if problem.startswith(HTML_PROBLEM):  # a page answered instead of the file
            raise DownloadRefused(message, 200, True)
        raise UserError(message)
    os.replace(part, target)
    return target


def _transfer(url: str, output: Path, progress: bool, retry: str) -> None:
    """Write the resource at ``url`` to ``output`` (deleted again on any failure)."""
    scheme = urllib.parse.urlparse(url).scheme.lower()
    try:
        if scheme == "file":
            source = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
            if not source.is_file():
                raise UserError(f"{url}: no such file")
            shutil.copyfile(source, output)
        elif scheme in ("http", "https"):
            from . import progress as bars

            downloader = pooch.HTTPDownloader(progressbar=progress and bars.enabled(),
                                              timeout=60, headers={"User-Agent": USER_AGENT})
            downloader(url, str(output), None)
        else:
            downloader = pooch.downloaders.choose_downloader(url, progressbar=progress)
            downloader(url, str(output), None)
    except UserError:
        output.unlink(missing_ok=True)
        raise
    except Exception as exc:  # requests, ftplib, paramiko and OS errors
        output.unlink(missing_ok=True)
        raise _transfer_error(url, exc, retry) from exc


def _transfer_error(url: str, exc: Exception, retry: str) -> UserError:
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
        kind = exc.response.headers.get("Content-Type", "")
        html = "html" in kind.lower()
        what = " with an HTML page (a login or browser-check page), not the file" \
            if html and status in BLOCKING_STATUSES else ""
        return DownloadRefused(f"{url}: the server answered HTTP {status} "
                               f"{exc.response.reason or ''}".rstrip() + what, status, html)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.
                  ContentDecodingError):
        return UserError(f"{url}: the transfer was cut short ({_first_line(exc)}); nothing was "
                         f"kept; {retry}")
    return UserError(f"{url}: download failed ({type(exc).__name__}: {_first_line(exc)}); {retry}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def content_problem(path: Path, known_hash: str | None = None,
                    size: int | None = None) -> str | None:
    """Why the file at ``path`` is not a plausible download, or None.

    Checks: not empty, the size when ``size`` is given, the hash when ``known_hash`` is given,
    not an HTML page (unless its name ends in ``.html``/``.htm``), and the leading bytes of the
    type its name promises (see :data:`_MAGIC`).
    """
    found = path.stat().st_size
    if size is not None and found != size:
        return f"the file is {found} bytes, the listing says {size} (an incomplete transfer)"
    if found == 0 and size != 0:
        return "the file is empty"
    if known_hash is not None and not pooch.hashes.hash_matches(str(path), known_hash):
        algorithm = known_hash.split(":", 1)[0] if ":" in known_hash else "md5"
        return (f"downloaded file failed verification: its {algorithm} does not match the "
                f"published {known_hash} (got {pooch.file_hash(str(path), alg=algorithm)})")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    name = path.name[:-len(PART_SUFFIX)] if path.name.endswith(PART_SUFFIX) else path.name
    suffix = Path(name).suffix.lower()
    if suffix not in (".html", ".htm") and looks_like_html(head):
        return HTML_PROBLEM + " (an error, login or browser-check page), not the file"
    check = _MAGIC.get(suffix)
    if check is not None and not check[0](head):
        return f"{name} is not {check[1]} (it starts with {head[:16]!r})"
    return None


def looks_like_html(head: bytes) -> bool:
    """Whether the first bytes of a file are an HTML document."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (
        text.startswith(b"<") and b"<html" in text[:512])


# ----------------------------------------------------------------------------- unpacking


def extract(archive: str | os.PathLike, folder: str | os.PathLike, max_bytes: int | None = None,
            retry: str = RETRY, progress: bool = True) -> Path:
    """Unpack a ``.tar``, ``.tar.gz``/``.tgz``/``.tar.bz2``/``.tar.xz`` or ``.zip`` into ``folder``.

    ``folder`` must not exist; it is created. Only regular files and folders are written, all
    inside ``folder`` (see the module docstring). On any problem ``folder`` is removed; when the
    archive itself is at fault (refused member, bomb, truncated or corrupt) it is deleted too,
    so the next run downloads it again.

    Args:
        max_bytes: cap on the total unpacked size (default: :data:`MAX_RATIO` times the
            archive's size, at least :data:`MIN_CAP_BYTES`).
    Raises:
        UserError: one line naming the archive, what is wrong and what to do.
    """
    archive, folder = Path(archive), Path(folder)
    if folder.exists():
        raise UserError(f"{folder}: unpacking needs a new folder, and this one exists")
    size = archive.stat().st_size
    cap = max_bytes if max_bytes is not None else max(MAX_RATIO * size, MIN_CAP_BYTES)
    folder.mkdir(parents=True)
    try:
        with open(archive, "rb") as handle:
            head = handle.read(4)
        if head in (b"PK\x03\x04", b"PK\x05\x06"):
            _extract_zip(archive, folder, cap)
        elif _is_tar(archive):
            _extract_tar(archive, folder, cap, progress)
        elif zipfile.is_zipfile(archive):  # a zip with a prefix (self-extracting)
            _extract_zip(archive, folder, cap)
        else:
            raise _BadArchive("not a tar or zip archive")
    except _BadArchive as exc:
        shutil.rmtree(folder, ignore_errors=True)
        archive.unlink(missing_ok=True)
        raise UserError(f"{archive}: {exc}; the archive was deleted; {retry}") from None
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError,
            OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError) and not _is_corruption(exc):
            raise UserError(f"{folder}: cannot write the unpacked files ({type(exc).__name__}: "
                            f"{_first_line(exc)})") from exc
        archive.unlink(missing_ok=True)
        raise UserError(f"{archive}: truncated or corrupt archive ({type(exc).__name__}: "
                        f"{_first_line(exc)}); the archive was deleted; {retry}") from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


class _BadArchive(Exception):
    """The archive is refused (message without the archive's name)."""


def _is_corruption(exc: OSError) -> bool:
    """gzip/bz2/lzma report bad data as OSError subclasses (BadGzipFile, 'Invalid data')."""
    import gzip

    return isinstance(exc, gzip.BadGzipFile) or type(exc) is OSError and exc.errno is None


def _is_tar(archive: Path) -> bool:
    with open(archive, "rb") as handle:
        head = handle.read(512)
    if head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ")):
        return True  # compressed: tarfile tells later whether a tar is inside
    try:
        return tarfile.is_tarfile(archive)
    except OSError:
        return False


def member_parts(name: str) -> tuple[str, ...]:
    """The path components of an archive member, or :class:`_BadArchive` if it would leave the
    target folder (absolute, drive letter, ``..``, backslash, NUL)."""
    if not name or "\x00" in name or "\\" in name:
        raise _BadArchive(f"refusing member {name!r}: not a plain relative path")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _BadArchive(f"refusing member {name!r}: absolute path")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise _BadArchive(f"refusing member {name!r}: it points outside the target folder")
    return parts


class _Budget:
    """Running total of unpacked bytes against the cap and the free disk space."""

    def __init__(self, folder: Path, cap: int) -> None:
        self.cap = cap
        self.free = shutil.disk_usage(folder).free
        self.total = 0
        self.members = 0

    def add(self, name: str, size: int) -> None:
        self.total += size
        self.members += 1
        if self.total > self.cap:
            raise _BadArchive(f"unpacks to more than {_gib(self.cap)} (member {name!r} brings it "
                              f"to {_gib(self.total)}): refused as a decompression bomb")
        if self.total > self.free:
            raise _BadArchive(f"unpacks to more than the {_gib(self.free)} free on the disk")
        if self.members > MAX_MEMBERS:
            raise _BadArchive(f"has more than {MAX_MEMBERS:,} members: refused")


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def _extract_tar(archive: Path, folder: Path, cap: int, progress: bool) -> None:
    from . import progress as bars

    budget = _Budget(folder, cap)
    # One pass in archive order: each member is checked before it is written, and a bomb is
    # refused at its header, before its data are decompressed.
    with tarfile.open(archive, "r:*") as handle, bars.bar(
            desc=f"unpack {archive.name}", unit=" files", show=progress) as bar:
        for member in handle:
            parts = member_parts(member.name)
            if member.isdir():
                budget.add(member.name, 0)
                if parts:
                    _make_dir(folder, parts)
                continue
            if not member.isreg() or member.issparse():
                raise _BadArchive(f"refusing member {member.name!r}: a {_tar_kind(member)} (only "
                                  "regular files and folders are unpacked)")
            if not parts:
                raise _BadArchive(f"refusing member {member.name!r}: a file without a name")
            budget.add(member.name, member.size)
            source = handle.extractfile(member)
            executable = bool(member.mode & 0o100)
            _write_file(folder, parts, source, member.size, executable, member.mtime)
            bar.update(1)


def _tar_kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"symbolic link to {member.linkname!r}"
    if member.islnk():
        return f"hard link to {member.linkname!r}"
    if member.ischr() or member.isblk():
        return "device node"
    if member.isfifo():
        return "FIFO"
    if member.issparse():
        return "sparse file"
    return f"member of type {member.type!r}"


def _extract_zip(archive: Path, folder: Path, cap: int) -> None:
    budget = _Budget(folder, cap)
    with zipfile.ZipFile(archive) as handle:
        infos = handle.infolist()
        for info in infos:  # check everything before writing anything
            parts = member_parts(info.filename)
            kind = stat.S_IFMT(info.external_attr >> 16)
            if info.flag_bits & 0x1:
                raise _BadArchive(f"refusing member {info.filename!r}: encrypted")
            if info.is_dir():
                budget.add(info.filename, 0)
                continue
            if kind not in (0, stat.S_IFREG):
                what = "symbolic link" if kind == stat.S_IFLNK else "special file"
                raise _BadArchive(f"refusing member {info.filename!r}: a {what} (only regular "
                                  "files and folders are unpacked)")
            if not parts:
                raise _BadArchive(f"refusing member {info.filename!r}: a file without a name")
            budget.add(info.filename, info.file_size)
        for info in infos:
            parts = member_parts(info.filename)
            if info.is_dir():
                if parts:
                    _make_dir(folder, parts)
                continue
            executable = bool((info.external_attr >> 16) & 0o100)
            with handle.open(info) as source:  # CRC checked at the end of each member
                _write_file(folder, parts, source, info.file_size, executable, None)


def _make_dir(folder: Path, parts: tuple[str, ...]) -> Path:
    path = folder.joinpath(*parts)
    if path.is_file():
        raise _BadArchive(f"member {'/'.join(parts)!r} is both a file and a folder")
    path.mkdir(parents=True, exist_ok=True, mode=0o755)
    return path


def _write_file(folder: Path, parts: tuple[str, ...], source, size: int, executable: bool,
                mtime: float | None) -> None:
    """Copy ``size`` bytes of ``source`` to a new file (no links can exist in our folder: none
    are ever created, so the path cannot lead outside it)."""
    parent = _make_dir(folder, parts[:-1]) if len(parts) > 1 else folder
    path = parent / parts[-1]
    if path.is_dir():
        raise _BadArchive(f"member {'/'.join(parts)!r} is both a folder and a file")
    written = 0
    with open(path, "wb") as out:
        for block in iter(lambda: source.read(2**20), b""):
            written += len(block)
            if written > size:
                raise _BadArchive(f"member {'/'.join(parts)!r} holds more than its declared "
                                  f"{size} bytes")
            out.write(block)
    if written != size:
        raise EOFError(f"member {'/'.join(parts)!r} ends after {written} of {size} bytes")
    os.chmod(path, 0o755 if executable else 0o644)
    if mtime is not None and mtime > 0:
        with contextlib.suppress(OSError, OverflowError, ValueError):
            os.utime(path, (mtime, mtime))


# ----------------------------------------------------------------------------- replacing


def staging_path(destination: Path) -> Path:
    """Where a new copy of ``destination`` is assembled before the swap."""
    return destination.with_name(f".{destination.name}.staging")


def _aside_path(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.old")


def clean_leftovers(destination: str | os.PathLike) -> None:
    """Remove what a killed fetch of ``destination`` left behind: its staging folder, and the
    old copy moved aside during a swap (put back when the swap did not finish)."""
    destination = Path(destination)
    shutil.rmtree(staging_path(destination), ignore_errors=True)
    aside = _aside_path(destination)
    if aside.exists():
        if not destination.exists():
            os.replace(aside, destination)  # the new copy never arrived: keep the old one
        else:
            shutil.rmtree(aside, ignore_errors=True)


def install(new: str | os.PathLike, destination: str | os.PathLike) -> Path:
    """Move the folder ``new`` (validated, manifest written) to ``destination``, replacing what
    is there. Both must be on one file system; the old copy is removed only after the swap."""
    new, destination = Path(new), Path(destination)
    aside = _aside_path(destination)
    shutil.rmtree(aside, ignore_errors=True)
    if destination.exists():
        os.replace(destination, aside)
    os.replace(new, destination)
    shutil.rmtree(aside, ignore_errors=True)
    return destination


def unpack(archive: str | os.PathLike, destination: str | os.PathLike,
           validate: Callable[[Path], None] | None = None, max_bytes: int | None = None,
           retry: str = RETRY, progress: bool = True) -> Path:
    """Unpack ``archive`` into a staging folder, ``validate`` it, then swap it into
    ``destination`` (see :func:`extract` for what is refused).

    Args:
        validate: called with the staging folder; it raises to refuse the content, and may
            write a manifest into the folder (it then appears with the data).
    Returns:
        ``destination``.
    """
    destination = Path(destination)
    clean_leftovers(destination)
    staging = extract(archive, staging_path(destination), max_bytes, retry, progress)
    try:
        if validate is not None:
            validate(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return install(staging, destination)


@contextlib.contextmanager
def scratch_folder(path: str | os.PathLike) -> Iterator[Path]:
    """A path for a temporary folder (removed before and after use, also after a crash of an
    earlier run that used the same path)."""
    path = Path(path)
    shutil.rmtree(path, ignore_errors=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
