"""Plugin `encodecmae-ec-ec-base`: the released EnCodecMAE checkpoint
ec-ec-base.pt (downloaded on first use; network in submissions/encodecmae). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..encodecmae.model import release_model

models.register("encodecmae-ec-ec-base",
                partial(release_model, __file__, "encodecmae-ec-ec-base", "ec_base"),
                tags={"pretrained", "needs-download"})
