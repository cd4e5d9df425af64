"""Plugins `encodecmae-mel256-ec-{small,base,large}-untrained`: the EnCodecMAE encoders of the three
released sizes with seeded random weights (offline). The released checkpoints are registered by the
folders encodecmae_mel256_ec_*, which share this folder's network. Registration only."""

from functools import partial

from brainscore_audio.registry import models

from .model import EncodecMAE

for _size in ("small", "base", "large"):
    _id = f"encodecmae-mel256-ec-{_size}-untrained"
    models.register(_id, partial(EncodecMAE, _id, _size), tags={"untrained", "offline"})
