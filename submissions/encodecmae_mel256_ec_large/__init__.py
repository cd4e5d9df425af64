"""Plugin `encodecmae-mel256-ec-large`: the released EnCodecMAE checkpoint
mel256-ec-large.pt (downloaded on first use; network in submissions/encodecmae). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..encodecmae.model import release_model

models.register("encodecmae-mel256-ec-large",
                partial(release_model, __file__, "encodecmae-mel256-ec-large", "large"),
                tags={"pretrained", "needs-download"})
