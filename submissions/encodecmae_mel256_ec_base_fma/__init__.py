"""Plugin `encodecmae-mel256-ec-base-fma`: the released EnCodecMAE checkpoint
mel256-ec-base-fma.pt (downloaded on first use; network in submissions/encodecmae). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..encodecmae.model import release_model

models.register("encodecmae-mel256-ec-base-fma",
                partial(release_model, __file__, "encodecmae-mel256-ec-base-fma", "base"),
                tags={"pretrained", "needs-download"})
