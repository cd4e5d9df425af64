"""Plugin `wavlm-base-plus` (microsoft/wavlm-base-plus on the Hugging Face hub)
and its untrained twin. Registration only."""

from functools import partial

from brainscore_audio.adapters.hf.plugin import hub_model
from brainscore_audio.registry import models

models.register("wavlm-base-plus", partial(hub_model, __file__, "wavlm-base-plus"),
                tags={"pretrained", "needs-download"})
models.register("wavlm-base-plus-untrained",
                partial(hub_model, __file__, "wavlm-base-plus-untrained", random_weights=True),
                tags={"untrained", "offline"})
