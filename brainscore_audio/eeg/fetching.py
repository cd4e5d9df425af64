"""Fetching helpers shared by the EEG data set plugins: file links on an index page, subject
selection, and sha256 checksums cached by file size and time."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote, urljoin

from .. import atomic
from ..download import sha256_file
from ..errors import UserError

_ANCHOR = re.compile(r"<a\b[^>]*?href\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
USER_AGENT = "brainscore-audio (https://pypi.org/project/brainscore-audio)"


def index_links(page_url: str, timeout: float = 60.0) -> dict[str, str]:
    """``{file name: absolute URL}`` from the links of an HTML page listing files.

    Works for repository landing pages that link each file with its name as the link text (Deep
    Blue Data) and for plain directory listings (a mirror, ``python -m http.server``). The file
    name is the link text, or the last path component of the link when the text is not a name.

    Raises:
        UserError: naming the URL when the page cannot be read.
    """
    request = urllib.request.Request(page_url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode("utf-8", errors="replace")
    except Exception as exc:
        raise UserError(f"{page_url}: cannot read the file index ({type(exc).__name__}: {exc})") \
            from exc
    links: dict[str, str] = {}
    for href, label in _ANCHOR.findall(text):
        name = html.unescape(_TAG.sub("", label)).strip()
        target = urljoin(page_url, html.unescape(href))
        if not name or " " in name or "/" in name:
            name = unquote(target.rstrip("/").rsplit("/", 1)[-1])
        links.setdefault(name, target)
    return links


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
