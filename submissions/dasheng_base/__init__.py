"""Plugin `dasheng-base` (weights downloaded from Zenodo on first use) and its untrained twin.
Registration only."""

from brainscore_audio.registry import models

from .model import Dasheng

models.register("dasheng-base", Dasheng, tags={"pretrained", "needs-download"})
models.register("dasheng-base-untrained", lambda: Dasheng(pretrained=False),
                tags={"untrained", "offline"})
