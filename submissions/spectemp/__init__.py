"""Plugin `spectemp` and `cochleagram`: auditory-model baselines (no learning). Registration
only."""

from brainscore_audio.registry import models

from .model import CochleagramModel, SpectroTemporal

models.register("cochleagram", CochleagramModel, tags={"baseline", "offline"})
models.register("spectemp", SpectroTemporal, tags={"baseline", "offline"})
