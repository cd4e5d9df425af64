"""docs/methods.md is the project's methods page: every reference to one of its sections, in
code, metadata and docs, names a heading that exists, and nothing points at the old name of the
page (the team brief that never was part of the repository)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
METHODS = ROOT / "docs" / "methods.md"
# Built from parts so that this file does not name it itself.
OLD_NAME = "METHODS" + ".md"
REFERENCE = re.compile(r"methods\.md#([A-Za-z0-9_-]+)")
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]*methods\.md)#([A-Za-z0-9_-]+)\)")
SKIPPED_PARTS = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules", "build",
                 "dist"}


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: the text without inline markup, lower case,
    with every character but letters, digits, spaces, hyphens and underscores removed, and
    spaces turned into hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links keep their text
    text = text.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Anchors of every ATX heading outside code blocks, with GitHub's ``-1``, ``-2`` suffixes
    for repeated headings."""
    seen: dict[str, int] = {}
    out = set()
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if fenced or not match:
            continue
        anchor = github_anchor(match.group(1))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        out.add(anchor if count == 0 else f"{anchor}-{count}")
    return out


def repository_files() -> list[Path]:
    """The files of the checkout (tracked and untracked, not ignored), or, without git, every
    file outside caches and build folders."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout
        files = [ROOT / name for name in listed.splitlines()]
    except (OSError, subprocess.CalledProcessError):
        files = [p for p in ROOT.rglob("*") if not SKIPPED_PARTS & set(p.relative_to(ROOT).parts)
                 and not any(part.endswith(".egg-info") for part in p.parts)]
    return [f for f in files if f.is_file()]


def text_files() -> dict[Path, str]:
    out = {}
    for path in repository_files():
        try:
            out[path] = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files name nothing
    return out


@pytest.fixture(scope="module")
def texts() -> dict[Path, str]:
    return text_files()


def test_the_anchor_rule_is_githubs():
    assert github_anchor("`nh2015.voxel-ridge`") == "nh2015voxel-ridge"
    assert github_anchor("Two protocols: ours (default) and the toolkit's") == \
        "two-protocols-ours-default-and-the-toolkits"
    assert github_anchor("Where the protocol can differ (all recorded in `parameters`)") == \
        "where-the-protocol-can-differ-all-recorded-in-parameters"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n### B_c d\n") == {"a", "a-1", "b_c-d"}


def test_methods_page_has_the_sections_the_code_points_to():
    found = anchors(METHODS.read_text(encoding="utf-8"))
    for section in ("stimuli-and-activations", "default-layers", "error-convention",
                    "ceiling-convention", "degenerate-data", "voxel-regression",
                    "component-regression", "fmri-rsa", "eeg-sentence-benchmarks",
                    "eeg-toolkit-protocol", "downstream-tasks", "downstream-overall",
                    "brain-vs-downstream", "where-we-differ-from-the-authors-code",
                    "what-a-record-holds", "how-correctness-is-shown"):
        assert section in found, f"docs/methods.md has no section #{section}"


def test_every_methods_reference_names_a_heading(texts):
    found = anchors(METHODS.read_text(encoding="utf-8"))
    references = [(path.relative_to(ROOT), anchor) for path, text in texts.items()
                  for anchor in REFERENCE.findall(text)]
    assert len(references) >= 30, "the code and docs should point at docs/methods.md sections"
    broken = [f"{path}: #{anchor}" for path, anchor in references if anchor not in found]
    assert not broken, f"references to headings docs/methods.md does not have: {broken}"
    internal = re.findall(r"\]\(#([A-Za-z0-9_-]+)\)", METHODS.read_text(encoding="utf-8"))
    assert internal and not [a for a in internal if a not in found], "broken links inside the page"


def test_markdown_links_to_the_methods_page_resolve_from_their_folder(texts):
    wrong = []
    for path, text in texts.items():
        if path.suffix != ".md":
            continue
        for target, _ in MARKDOWN_LINK.findall(text):
            if (path.parent / target).resolve() != METHODS.resolve():
                wrong.append(f"{path.relative_to(ROOT)}: ({target}#...)")
    assert not wrong, f"links that do not lead to docs/methods.md: {wrong}"


def test_links_from_the_methods_page_to_other_pages_resolve():
    text = METHODS.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#\s]+\.md)(?:#([A-Za-z0-9_-]+))?\)", text)
    assert links
    broken = []
    for target, anchor in links:
        page = METHODS.parent / target
        if not page.is_file() or (anchor and anchor not in anchors(page.read_text("utf-8"))):
            broken.append(f"{target}#{anchor}" if anchor else target)
    assert not broken, f"docs/methods.md links to missing pages or sections: {broken}"


def test_no_file_names_the_old_methods_page(texts):
    naming = [str(path.relative_to(ROOT)) for path, text in texts.items() if OLD_NAME in text]
    assert not naming, f"{OLD_NAME} is not part of the repository; point at docs/methods.md: {naming}"
