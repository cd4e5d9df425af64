"""Plugin `beats-iter2`: the released BEATs checkpoint BEATs_iter2.pt
(downloaded on first use; network in submissions/beats). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..beats.model import release_model

models.register("beats-iter2", partial(release_model, __file__, "beats-iter2"),
                tags={"pretrained", "needs-download"})
