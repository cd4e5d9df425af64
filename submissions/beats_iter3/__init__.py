"""Plugin `beats-iter3`: the released BEATs checkpoint BEATs_iter3.pt
(downloaded on first use; network in submissions/beats). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..beats.model import release_model

models.register("beats-iter3", partial(release_model, __file__, "beats-iter3"),
                tags={"pretrained", "needs-download"})
