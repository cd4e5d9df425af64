"""Plugin `encodecmae-mel256-ec-base`: the released EnCodecMAE checkpoint
mel256-ec-base.pt (downloaded on first use; network in submissions/encodecmae). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..encodecmae.model import release_model

models.register("encodecmae-mel256-ec-base",
                partial(release_model, __file__, "encodecmae-mel256-ec-base", "base"),
                tags={"pretrained", "needs-download"})
