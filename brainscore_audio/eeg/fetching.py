"""Fetching helpers shared by the EEG data set plugins: file links on an index page, the file
listing of a release (S3 bucket listing, HTML directory listings or a local folder), subject
selection, and sha256 checksums cached by file size and time."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urljoin, urlparse

from .. import atomic
from ..download import (
    BLOCKING_STATUSES,
    USER_AGENT,
    DownloadRefused,
    looks_like_html,
    sha256_file,
)
from ..errors import UserError

_ANCHOR = re.compile(r"<a\b[^>]*?href\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
S3_NAMESPACE = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def read_url(url: str, timeout: float = 60.0) -> tuple[bytes, str]:
    """``(body, content type)`` of a GET request.

    Raises:
        DownloadRefused: naming the URL and the HTTP status (and whether the answer was an HTML
            page, e.g. a browser check).
        UserError: naming the URL for other failures.
    """
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        kind = exc.headers.get("Content-Type", "") if exc.headers else ""
        html_page = "html" in kind.lower()
        what = " with an HTML page (a login or browser-check page)" \
            if html_page and exc.code in BLOCKING_STATUSES else ""
        raise DownloadRefused(f"{url}: the server answered HTTP {exc.code} {exc.reason}{what}",
                              exc.code, html_page) from exc
    except Exception as exc:
        raise UserError(f"{url}: cannot be read ({type(exc).__name__}: {exc})") from exc


def index_links(page_url: str, timeout: float = 60.0) -> dict[str, str]:
    """``{file name: absolute URL}`` from the links of an HTML page listing files.

    Works for repository landing pages that link each file with its name as the link text (Deep
    Blue Data) and for plain directory listings (a mirror, ``python -m http.server``). The file
    name is the link text, or the last path component of the link when the text is not a name.

    Raises:
        DownloadRefused: the server answered with an error status (e.g. 403 from a browser
            check), naming it.
        UserError: naming the URL when the page cannot be read.
    """
    try:
        body, _ = read_url(page_url, timeout)
    except DownloadRefused as exc:
        raise DownloadRefused(f"{page_url}: cannot read the file index ("
                              f"{str(exc).removeprefix(page_url + ': ')})", exc.status,
                              exc.html) from exc
    except UserError as exc:
        cause = exc.__cause__
        detail = f"{type(cause).__name__}: {cause}" if cause else str(exc)
        raise UserError(f"{page_url}: cannot read the file index ({detail})") from exc
    text = body.decode("utf-8", errors="replace")
    links: dict[str, str] = {}
    for href, label in _ANCHOR.findall(text):
        name = html.unescape(_TAG.sub("", label)).strip()
        target = urljoin(page_url, html.unescape(href))
        if not name or " " in name or "/" in name:
            name = unquote(target.rstrip("/").rsplit("/", 1)[-1])
        links.setdefault(name, target)
    return links


# ----------------------------------------------------------------------------- release listings


def list_release(base_url: str, descend: Callable[[str], bool] = lambda path: True,
                 timeout: float = 60.0) -> tuple[dict[str, int | None], str]:
    """Every file of a release below ``base_url``: ``({relative path: size in bytes or None},
    how it was listed)``.

    Tried in order: a local folder (``file://``); an S3 bucket listing (ListObjectsV2 of
    ``<endpoint>/<bucket>`` with the prefix ``<path>/``; how OpenNeuro's public bucket
    ``s3.amazonaws.com/openneuro.org`` is read, with sizes); HTML directory listings (a mirror
    served by nginx, Apache or ``python -m http.server``; no sizes). ``descend(path)`` says
    whether to enter a folder (``"sub-001/"``) when crawling HTML listings.

    Raises:
        UserError: one line naming ``base_url`` when it cannot be listed.
    """
    base_url = base_url.rstrip("/") + "/"
    parsed = urlparse(base_url)
    if parsed.scheme == "file":
        folder = Path(urllib.request.url2pathname(parsed.path))
        if not folder.is_dir():
            raise UserError(f"{base_url}: no such folder")
        files = {p.relative_to(folder).as_posix(): p.stat().st_size
                 for p in sorted(folder.rglob("*")) if p.is_file()}
        return files, "local folder"
    listed = _s3_listing(base_url, timeout)
    if listed is not None:
        return listed, "S3 bucket listing"
    files = _crawl(base_url, "", descend, timeout)
    if not files:
        raise UserError(f"{base_url}: no files listed (neither an S3 bucket listing nor an HTML "
                        "directory listing answered); pass --url with a mirror that lists them")
    return files, "HTML directory listings"


def _s3_listing(base_url: str, timeout: float) -> dict[str, int | None] | None:
    """The ListObjectsV2 listing below ``base_url`` (path-style ``<endpoint>/<bucket>/<prefix>/``),
    or None when the server does not answer like S3."""
    parsed = urlparse(base_url)
    parts = [p for p in parsed.path.split("/") if p]
    if len(parts) < 2:
        return None
    endpoint = f"{parsed.scheme}://{parsed.netloc}/{quote(parts[0])}"
    prefix = "/".join(parts[1:]) + "/"
    files: dict[str, int | None] = {}
    token = None
    for _ in range(10_000):  # pages of at most 1,000 keys
        query = {"list-type": "2", "prefix": prefix}
        if token:
            query["continuation-token"] = token
        try:
            body, _ = read_url(f"{endpoint}?{urlencode(query)}", timeout)
            root = ElementTree.fromstring(body)
        except (UserError, ElementTree.ParseError):
            return None
        if not root.tag.endswith("ListBucketResult"):
            return None
        namespace = root.tag[:-len("ListBucketResult")]
        for item in root.iter(f"{namespace}Contents"):
            key = item.findtext(f"{namespace}Key") or ""
            size = item.findtext(f"{namespace}Size")
            if key.startswith(prefix) and not key.endswith("/"):
                files[key[len(prefix):]] = int(size) if size and size.isdigit() else None
        token = root.findtext(f"{namespace}NextContinuationToken")
        if root.findtext(f"{namespace}IsTruncated", "false").lower() != "true" or not token:
            return files
    return files


def _crawl(base_url: str, folder: str, descend: Callable[[str], bool],
           timeout: float, depth: int = 0) -> dict[str, int | None]:
    """Files under ``base_url + folder`` from HTML directory listings (only links below it)."""
    url = base_url + folder
    try:
        body, kind = read_url(url, timeout)
    except DownloadRefused:
        if depth == 0:
            return {}  # not a listing (an S3 endpoint answers 403/404 here)
        raise
    if "html" not in kind.lower() and not looks_like_html(body[:1024]):
        return {}
    files: dict[str, int | None] = {}
    for href, _ in _ANCHOR.findall(body.decode("utf-8", errors="replace")):
        target = urljoin(url, html.unescape(href)).split("#", 1)[0].split("?", 1)[0]
        if not target.startswith(url) or target == url:
            continue  # parent folders, sorting links, other sites
        relative = unquote(target[len(base_url):])
        if relative.endswith("/"):
            if depth < 4 and descend(relative):
                files.update(_crawl(base_url, relative, descend, timeout, depth + 1))
        elif "/" not in relative[len(folder):]:
            files[relative] = None
    return files


def select_subjects(available: Sequence[str], requested: str | Iterable[str] | None,
                    what: str) -> list[str]:
    """Subjects to fetch or score.

    Args:
        available: every subject id, in order.
        requested: None (all), a count ``"3"`` (the first three), or ids (``"S01,S03"`` or a
            list); ids may omit leading zeros or the ``sub-`` prefix.
    Raises:
        UserError: for an unknown id or a bad count.
    """
    available = list(available)
    if requested is None or requested == "" or requested == []:
        return available
    if isinstance(requested, str):
        if requested.strip().isdigit():
            count = int(requested)
            if count < 1:
                raise UserError(f"--subjects {requested}: expected a positive count or subject ids")
            return available[:count]
        requested = [r for r in re.split(r"[,\s]+", requested) if r]
    out = []
    for item in requested:
        match = _match_subject(str(item), available)
        if match is None:
            raise UserError(f"--subjects: unknown {what} subject {item!r}; known: "
                            f"{', '.join(available[:5])}{', ...' if len(available) > 5 else ''}")
        if match not in out:
            out.append(match)
    return out


def _match_subject(item: str, available: Sequence[str]) -> str | None:
    if item in available:
        return item
    digits = re.sub(r"\D", "", item)
    if not digits:
        return None
    for subject in available:
        if re.sub(r"\D", "", subject).lstrip("0") == digits.lstrip("0"):
            return subject
    return None


def cached_checksums(paths: Iterable[Path], root: Path, cache_name: str = ".sha256.json"
                     ) -> dict[str, str]:
    """``{path relative to root: sha256}``, reusing hashes of files whose size and modification
    time did not change (kept in ``root / cache_name``)."""
    cache_path = root / cache_name
    try:
        cache = json.loads(cache_path.read_text())
    except (OSError, ValueError):
        cache = {}
    out, changed = {}, False
    for path in sorted(Path(p) for p in paths):
        relative = path.relative_to(root).as_posix()
        stat = os.stat(path)
        stamp = [stat.st_size, stat.st_mtime_ns]
        entry = cache.get(relative)
        if entry is None or entry[0] != stamp:
            entry = [stamp, sha256_file(path)]
            cache[relative] = entry
            changed = True
        out[relative] = entry[1]
    if changed:  # a read-only data folder: hashes are recomputed next time
        with contextlib.suppress(OSError):
            atomic.write_json(cache_path, cache)
    return out


def file_signature(paths: Iterable[Path]) -> str:
    """Names, sizes and modification times of files (changes when any file changes)."""
    parts = []
    for path in sorted(Path(p) for p in paths):
        stat = os.stat(path)
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return ";".join(parts)
