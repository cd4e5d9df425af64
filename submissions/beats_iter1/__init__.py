"""Plugin `beats-iter1`: the released BEATs checkpoint BEATs_iter1.pt
(downloaded on first use; network in submissions/beats). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..beats.model import release_model

models.register("beats-iter1", partial(release_model, __file__, "beats-iter1"),
                tags={"pretrained", "needs-download"})
