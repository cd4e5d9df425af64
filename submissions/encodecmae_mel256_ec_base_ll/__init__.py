"""Plugin `encodecmae-mel256-ec-base-ll`: the released EnCodecMAE checkpoint
mel256-ec-base-ll.pt (downloaded on first use; network in submissions/encodecmae). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..encodecmae.model import release_model

models.register("encodecmae-mel256-ec-base-ll",
                partial(release_model, __file__, "encodecmae-mel256-ec-base-ll", "base"),
                tags={"pretrained", "needs-download"})
