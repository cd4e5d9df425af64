"""Plugin `dasheng-06b`: Dasheng 0.6B (weights downloaded from Zenodo on first use; code shared
with submissions/dasheng_base) and its untrained twin. Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..dasheng_base.releases import release_model

models.register("dasheng-06b", partial(release_model, __file__, "dasheng-06b", "0.6b"),
                tags={"pretrained", "needs-download"})
models.register("dasheng-06b-untrained",
                partial(release_model, __file__, "dasheng-06b-untrained", "0.6b", random_weights=True),
                tags={"untrained", "offline"})
