"""Reproducing published studies from recipe files (``benchmark reproduce STUDY``).

- :mod:`.recipe`: the recipe file (models and their study names, benchmarks, tasks, data sets,
  analyses, tolerances, published numbers with their sources).
- :mod:`.compare`: our value of each published number, from a leaderboard.
- :mod:`.run`: data checks and fetching, the runs, the leaderboard, the analyses.
- :mod:`.report`: the Markdown report, its JSON twin and figures.

The library names no study: plugins register theirs in :data:`brainscore_audio.registry.studies`.
"""

from .recipe import Recipe, load_recipe

__all__ = ["Recipe", "load_recipe"]
