"""The study of Pepino et al. (2025) for ``benchmark reproduce pepino2025``: registration only."""

from functools import partial
from pathlib import Path

from brainscore_audio.registry import studies
from brainscore_audio.reproduce.recipe import load_recipe

RECIPE = Path(__file__).with_name("recipe.yaml")
studies.register("pepino2025", partial(load_recipe, RECIPE))
