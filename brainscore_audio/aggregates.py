"""Population-dependent numbers of a leaderboard (e.g. a z-scored downstream overall),
recomputed at every build from the records on it.

A registry only: library modules and plugins add their aggregates here, and the leaderboard reads
them; neither side imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: aggregate name -> function(leaderboard) -> {model key: value or None}
AGGREGATORS: dict[str, Callable[[Any], dict[str, float | None]]] = {}


def register(name: str, function: Callable[[Any], dict[str, float | None]]) -> None:
    """Add an aggregate (the first registration of a name stays: registering is idempotent)."""
    AGGREGATORS.setdefault(name, function)


def compute(board: Any) -> dict[str, dict[str, float | None]]:
    """Every registered aggregate of ``board``, by name."""
    return {name: function(board) for name, function in sorted(AGGREGATORS.items())}
