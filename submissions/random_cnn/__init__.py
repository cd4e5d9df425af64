"""Plugin `random-cnn`: registration only."""

from brainscore_audio.registry import models

from .model import RandomCNN

models.register("random-cnn", RandomCNN, tags={"builtin"})
