"""Sentences from word alignments, and the sentence audio (docs/methods.md#eeg-sentences).

Two sources of sentence boundaries exist: a sentence column in the alignment table (Alice's
``Sentence``), or, where the alignment has words only (Praat TextGrids without punctuation, as in
ds004408), silent gaps of at least ``pause_s`` between consecutive words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UserError

SILENCE_LABELS = frozenset({"", "sp", "sil", "<sil>", "spn", "<p:>", "#", "pau"})


@dataclass(frozen=True)
class Word:
    """One aligned word: ``onset``/``offset`` in seconds from the start of its audio file."""

    text: str
    onset: float
    offset: float


@dataclass
class Sentence:
    """One sentence of a stimulus audio file.

    Attributes:
        id: stimulus id, e.g. ``alice2019-s001``.
        audio: key of the audio file the sentence lies in (e.g. ``"1"`` or ``"audio01"``).
        onset, offset: seconds from the start of that audio file (first word onset, last word
            offset).
        words: the sentence's words (times relative to the audio file).
        index: the data release's own sentence number, where it has one.
    """

    id: str
    audio: str
    onset: float
    offset: float
    words: list[Word] = field(default_factory=list)
    index: int | None = None

    @property
    def duration(self) -> float:
        return self.offset - self.onset

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def sentences_from_pauses(words: Sequence[Word], pause_s: float) -> list[list[Word]]:
    """Split a word sequence where the silent gap between consecutive words is >= ``pause_s``.

    Returns the groups of words, in order (empty input gives no group).
    """
    groups: list[list[Word]] = []
    for word in sorted(words, key=lambda w: w.onset):
        if groups and word.onset - groups[-1][-1].offset < pause_s:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


# ----------------------------------------------------------------------------- Praat TextGrid

# Quoted strings, numbers; bracketed indices ("item [1]:") are matched only to be skipped.
_TOKEN = re.compile(r'"((?:[^"]|"")*)"|\[[^\]]*\]|([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)')


def read_textgrid(path: str | Path) -> dict[str, list[tuple[float, float, str]]]:
    """Read a Praat TextGrid (long or short text format, UTF-8/UTF-16).

    Returns:
        ``{tier name: [(xmin, xmax, label), ...]}`` for interval tiers (point tiers are skipped).
    Raises:
        UserError: naming the file when it is not a TextGrid.
    """
    path = Path(path)
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(f"{path}: not a text file (expected a Praat TextGrid)")
    if "ooTextFile" not in text[:200] or "TextGrid" not in text[:200]:
        raise UserError(f"{path}: not a Praat TextGrid (missing the 'ooTextFile'/'TextGrid' header)")
    # Drop the header line and every "name =" key, so both formats read as one token stream.
    tokens: list[str | float] = []
    for match in _TOKEN.finditer(text.split("\n", 2)[-1]):
        if match.group(1) is not None:
            tokens.append(match.group(1).replace('""', '"'))
        elif match.group(2) is not None:
            tokens.append(float(match.group(2)))
    try:
        return _parse_tokens(tokens)
    except (IndexError, ValueError, TypeError) as exc:
        raise UserError(f"{path}: malformed TextGrid ({exc})") from exc


def _parse_tokens(tokens: list) -> dict[str, list[tuple[float, float, str]]]:
    position = 2  # xmin, xmax of the whole grid
    n_tiers = int(tokens[position])
    position += 1
    tiers: dict[str, list[tuple[float, float, str]]] = {}
    for _ in range(n_tiers):
        kind, name = tokens[position], tokens[position + 1]
        count = int(tokens[position + 4])
        position += 5
        if kind == "IntervalTier":
            items = []
            for _ in range(count):
                items.append((float(tokens[position]), float(tokens[position + 1]),
                              str(tokens[position + 2])))
                position += 3
            tiers[str(name)] = items
        else:  # TextTier: time, mark
            position += 2 * count
    return tiers


def words_from_textgrid(path: str | Path, tier: str | None = None) -> list[Word]:
    """Non-silent intervals of the word tier of a TextGrid.

    The tier is ``tier`` when given, else the one named ``words`` (any case), else the only one
    whose name contains "word". A grid without such a tier is refused rather than read from
    another tier (the first tier of a forced alignment is often the phones).

    Raises:
        UserError: one line naming the file and listing its tiers.
    """
    tiers = read_textgrid(path)
    if not tiers:
        raise UserError(f"{path}: TextGrid has no interval tier")
    if tier is None:
        exact = [name for name in tiers if name.strip().lower() == "words"]
        partial = [name for name in tiers if "word" in name.lower()]
        chosen = exact or (partial if len(partial) == 1 else [])
        if not chosen:
            raise UserError(f"{path}: no word tier (expected one named 'words'); tiers are "
                            f"{', '.join(repr(t) for t in tiers)}")
        tier = chosen[0]
    if tier not in tiers:
        raise UserError(f"{path}: no tier {tier!r}; tiers are {', '.join(repr(t) for t in tiers)}")
    return [Word(label.strip(), start, end) for start, end, label in tiers[tier]
            if label.strip().lower() not in SILENCE_LABELS]


# ----------------------------------------------------------------------------- audio

def cut_audio(samples: np.ndarray, sample_rate: int, onset: float, offset: float) -> np.ndarray:
    """The samples between ``onset`` and ``offset`` seconds: ``(n,)`` float32 (at least one)."""
    start = max(0, int(round(onset * sample_rate)))
    stop = min(len(samples), max(start + 1, int(round(offset * sample_rate))))
    if start >= len(samples):
        raise UserError(f"sentence onset {onset:.3f} s lies beyond the audio "
                        f"({len(samples) / sample_rate:.3f} s)")
    return np.ascontiguousarray(samples[start:stop], dtype=np.float32)
