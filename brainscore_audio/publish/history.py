"""Leaderboard history: published versions are immutable.

A leaderboard file holds its current scores and a ``changelog`` with one entry per version. A
version, once published, never changes: a later file may only *append* versions. This module
checks that, so ``benchmark leaderboard build`` refuses to write a file that rewrites history and
``benchmark leaderboard check NEW --published OLD`` can guard a release (e.g. against the file
at the last git tag).
"""

from __future__ import annotations

from ..errors import UserError
from ..leaderboard import Leaderboard


def check_changelog(board: Leaderboard, name: str = "leaderboard") -> None:
    """One changelog entry per version: versions 1..``leaderboard_version`` in order, each with
    at least one change. Raises a one-line :class:`UserError` otherwise."""
    versions = [entry.leaderboard_version for entry in board.changelog]
    expected = list(range(1, board.leaderboard_version + 1))
    if versions != expected:
        raise UserError(f"{name}: changelog versions {versions} do not match leaderboard_version "
                        f"{board.leaderboard_version} (expected one entry per version, "
                        f"{expected[:1] or [0]}..{board.leaderboard_version})")
    for entry in board.changelog:
        if not entry.changes:
            raise UserError(f"{name}: changelog entry of v{entry.leaderboard_version} lists no "
                            "changes")


def check_history(published: Leaderboard, new: Leaderboard, name: str = "leaderboard") -> None:
    """Check that ``new`` keeps every version of ``published`` unchanged.

    - ``new.leaderboard_version`` is not lower than ``published``'s;
    - at the same version the two documents are identical (a published version is never edited);
    - the changelog entries of every published version are unchanged (date and changes), and
      both changelogs are well formed (:func:`check_changelog`).

    Raises a one-line :class:`UserError` naming the first altered version.
    """
    check_changelog(published, f"{name} (published)")
    check_changelog(new, name)
    if new.leaderboard_version < published.leaderboard_version:
        raise UserError(f"{name}: leaderboard_version {new.leaderboard_version} is older than "
                        f"the published v{published.leaderboard_version}; versions only go up")
    if new.leaderboard_version == published.leaderboard_version:
        if new != published:
            raise UserError(f"{name}: differs from the published v{published.leaderboard_version} "
                            "without a new version; published versions are immutable")
        return
    for old_entry, new_entry in zip(published.changelog, new.changelog, strict=False):
        if old_entry != new_entry:
            raise UserError(f"{name}: rewrites the changelog entry of published "
                            f"v{old_entry.leaderboard_version}; published versions are "
                            "immutable (add a new version instead)")
