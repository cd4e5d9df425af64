"""Plugin `beats-untrained`: the BEATs encoder with seeded random weights (offline). The released
checkpoints are registered by the folders beats_iter1, beats_iter2, beats_iter3 and
beats_iter3_as2m, which share this folder's network. Registration only."""

from brainscore_audio.registry import models

from .model import BEATs

models.register("beats-untrained", lambda: BEATs("beats-untrained"), tags={"untrained", "offline"})
