"""Plugin `resemblyzer` (GE2E speaker encoder, weights from the resemblyzer wheel) and its
untrained twin. Registration only."""

from brainscore_audio.registry import models

from .model import Resemblyzer

models.register("resemblyzer", Resemblyzer, tags={"pretrained", "offline"})
models.register("resemblyzer-untrained", lambda: Resemblyzer(pretrained=False),
                tags={"untrained", "offline"})
