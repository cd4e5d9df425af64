"""The study of Yang et al. (2026) for ``benchmark reproduce yang2026``: registration only."""

from functools import partial
from pathlib import Path

from brainscore_audio.registry import studies
from brainscore_audio.reproduce.recipe import load_recipe

RECIPE = Path(__file__).with_name("recipe.yaml")
studies.register("yang2026", partial(load_recipe, RECIPE))
