"""Plugin `logmel`: registration only."""

from brainscore_audio.registry import models

from .model import LogMel

models.register("logmel", LogMel, tags={"builtin"})
