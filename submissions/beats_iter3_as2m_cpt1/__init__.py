"""Plugin `beats-iter3-as2m-cpt1`: the released BEATs checkpoint BEATs_iter3_finetuned_on_AS2M_cpt1.pt
(downloaded on first use; network in submissions/beats). Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..beats.model import release_model

models.register("beats-iter3-as2m-cpt1",
                partial(release_model, __file__, "beats-iter3-as2m-cpt1", finetuned=True),
                tags={"pretrained", "needs-download"})
