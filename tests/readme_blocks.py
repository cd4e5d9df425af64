"""Code blocks of README.md, for tests that run the README's examples as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(language: str | None = None) -> list[str]:
    """Every fenced block of README.md (optionally only those of one language), in order."""
    return [body for lang, body in FENCE.findall(README.read_text(encoding="utf-8"))
            if language is None or lang == language]


def write_files(prefix: str, destination: Path) -> list[Path]:
    """Write the blocks whose first line is a comment naming a file under ``prefix`` (e.g.
    ``# submissions/my_model/model.py``) to ``destination`` / that path; returns the files."""
    written = []
    for body in blocks():
        first, _, rest = body.partition("\n")
        match = re.fullmatch(r"# (\S+)", first.strip())
        if match and match.group(1).startswith(prefix):
            path = destination / match.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
            written.append(path)
    return written
