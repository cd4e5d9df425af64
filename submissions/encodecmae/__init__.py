"""Plugins `encodecmae-mel256-ec-{small,base,large}-untrained` and
`encodecmae-ec-ec-base-untrained`: the EnCodecMAE encoders of the released architectures with
seeded random weights (offline). The released checkpoints are registered by the folders
encodecmae_*, which share this folder's network. Registration only."""

from functools import partial

from brainscore_audio.registry import models

from .model import EncodecMAE

for _size in ("small", "base", "large"):
    _id = f"encodecmae-mel256-ec-{_size}-untrained"
    models.register(_id, partial(EncodecMAE, _id, _size), tags={"untrained", "offline"})
models.register("encodecmae-ec-ec-base-untrained",
                partial(EncodecMAE, "encodecmae-ec-ec-base-untrained", "ec_base"),
                tags={"untrained", "offline"})
