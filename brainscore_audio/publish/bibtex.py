"""BibTeX for ``benchmark cite``: benchmark (data and method) papers, models, and this software
at a leaderboard version.

The BibTeX texts come from the plugins (a benchmark's ``bibtex``, a model's ``metadata.yaml``
``citation``) through the leaderboard JSON or the registries. They are split into entries here
(brace matching, no parser dependency), so a malformed one is reported by its source and the
same entry cited by several benchmarks is printed once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import UserError

# Keep in step with CITATION.cff (a test checks that they agree).
SOFTWARE_TITLE = "brainscore-audio: brain and downstream benchmarks for audio models"
SOFTWARE_AUTHORS = ("brainscore-audio developers",)

_START = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_KEY = re.compile(r"\s*([^\s,{}()=\"#%'~]+)\s*,")
_CORPORATE = re.compile(r"\b(developers|team|contributors|project|consortium|group|lab)\b",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One BibTeX entry: its type (lower case), citation key (None for @string/@preamble/
    @comment) and exact text."""

    type: str
    key: str | None
    text: str


def split_entries(text: str, source: str) -> list[Entry]:
    """The entries of a BibTeX text, in order; text between entries is dropped.

    Raises a one-line :class:`UserError` naming ``source`` for unbalanced delimiters or an entry
    without a citation key.
    """
    entries, pos = [], 0
    while (match := _START.search(text, pos)) is not None:
        kind, opener = match.group(1).lower(), match.group(2)
        end = _entry_end(text, match.end(), opener)
        if end is None:
            raise UserError(f"{source}: unbalanced braces in its @{kind} entry")
        i = end + 1
        body = text[match.end():i - 1]
        key = None
        if kind not in ("string", "preamble", "comment"):
            key_match = _KEY.match(body)
            if key_match is None:
                raise UserError(f"{source}: @{kind} entry without a citation key")
            key = key_match.group(1)
        entries.append(Entry(kind, key, text[match.start():i].strip()))
        pos = i
    return entries


def _entry_end(text: str, start: int, opener: str) -> int | None:
    """Index of the delimiter closing an entry opened by ``opener`` just before ``start``, or
    None when braces do not balance."""
    braces = 1 if opener == "{" else 0
    in_quotes = False
    for i in range(start, len(text)):
        char = text[i]
        if char == "{":
            braces += 1
        elif char == "}":
            braces -= 1
            if braces == 0 and opener == "{":
                return i
            if braces < 0:
                return None
        elif opener == "(" and braces == 0:
            if char == '"':
                in_quotes = not in_quotes
            elif char == ")" and not in_quotes:
                return i
    return None


def merge(sources: Iterable[tuple[str, str]]) -> list[Entry]:
    """Entries of several ``(source, bibtex)`` texts; an entry whose key was seen is dropped
    (with a warning on stderr when its text differs, since one key cannot cite two works)."""
    seen: dict[str, Entry] = {}
    out: list[Entry] = []
    for source, text in sources:
        for entry in split_entries(text, source):
            if entry.key is not None:
                previous = seen.get(entry.key)
                if previous is not None:
                    if _normal(previous.text) != _normal(entry.text):
                        print(f"warning: {source}: BibTeX key {entry.key!r} already used by a "
                              "different entry; keeping the first", file=sys.stderr)
                    continue
                seen[entry.key] = entry
            elif any(_normal(e.text) == _normal(entry.text) for e in out):
                continue
            out.append(entry)
    return out


def _normal(text: str) -> str:
    return " ".join(text.split())


def escape_value(text: str) -> str:
    """A free text as a BibTeX field value: braces removed (they would break the entry), LaTeX
    specials (``& % $ # _``) backslash-escaped, whitespace collapsed."""
    text = " ".join(str(text).replace("{", "(").replace("}", ")").replace("\\", "/").split())
    return re.sub(r"([&%$#_])", r"\\\1", text)


def _key_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "x"


def _authors(names: Iterable[Any]) -> str:
    """BibTeX author list; corporate names (e.g. "... developers") in an extra brace pair."""
    parts = []
    for name in names:
        value = escape_value(str(name))
        parts.append(f"{{{value}}}" if _CORPORATE.search(value) else value)
    return " and ".join(parts)


def _fields(kind: str, key: str, fields: Mapping[str, str | None]) -> str:
    lines = [f"  {name} = {{{value}}}," for name, value in fields.items() if value]
    return f"@{kind}{{{key},\n" + "\n".join(lines) + "\n}"


def software_entry(package_version: str, leaderboard_version: int | None = None,
                   schema_version: int | None = None, date: datetime | None = None) -> str:
    """``@software`` entry of brainscore-audio at ``package_version`` and, when given, at a
    leaderboard version (its key then ends in ``_lb<version>``)."""
    key = f"brainscore_audio_{_key_part(package_version)}"
    note = None
    if leaderboard_version is not None:
        key += f"_lb{leaderboard_version}"
        note = f"Leaderboard version {leaderboard_version}"
        if schema_version is not None:
            note += f" (schema {schema_version})"
        if date is not None:
            note += f", built {date:%Y-%m-%d}"
    return _fields("software", key, {
        "author": _authors(SOFTWARE_AUTHORS),
        "title": escape_value(SOFTWARE_TITLE),
        "version": escape_value(package_version),
        "year": str(date.year) if date is not None else None,
        "note": note,
    })


def model_bibtex(model_id: str, version: str | None, metadata: Mapping[str, Any]) -> str:
    """A model's citation: its ``metadata.yaml`` ``citation`` when it has one, else a
    ``@misc`` entry made from the metadata (name, authors, version)."""
    citation = metadata.get("citation")
    if isinstance(citation, str) and citation.strip():
        return citation.strip()
    authors = metadata.get("authors")
    if isinstance(authors, str):
        authors = [authors]
    note = f"brainscore-audio model {model_id}" + (f", version {version}" if version else "")
    if metadata.get("checkpoint"):
        note += f", checkpoint {metadata['checkpoint']}"
    return _fields("misc", f"model_{_key_part(model_id)}", {
        "title": escape_value(str(metadata.get("name") or model_id)),
        "author": _authors(authors) if isinstance(authors, list) and authors else None,
        "note": escape_value(note + "; no citation in its metadata.yaml"),
    })


def render(entries: Iterable[Entry]) -> str:
    """Entries as one BibTeX text (blank line between entries, trailing newline)."""
    return "\n\n".join(e.text for e in entries) + "\n"
