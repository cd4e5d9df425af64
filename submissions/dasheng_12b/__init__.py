"""Plugin `dasheng-12b`: Dasheng 1.2B (weights downloaded from Zenodo on first use; code shared
with submissions/dasheng_base) and its untrained twin. Registration only."""

from functools import partial

from brainscore_audio.registry import models

from ..dasheng_base.releases import release_model

models.register("dasheng-12b", partial(release_model, __file__, "dasheng-12b", "1.2b"),
                tags={"pretrained", "needs-download"})
models.register("dasheng-12b-untrained",
                partial(release_model, __file__, "dasheng-12b-untrained", "1.2b", random_weights=True),
                tags={"untrained", "offline"})
