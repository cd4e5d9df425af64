"""Plugin `ast-audioset` (MIT/ast-finetuned-audioset-10-10-0.4593 on the Hugging Face hub)
and its untrained twin. Registration only."""

from functools import partial

from brainscore_audio.adapters.hf.plugin import hub_model
from brainscore_audio.registry import models

models.register("ast-audioset", partial(hub_model, __file__, "ast-audioset"),
                tags={"pretrained", "needs-download"})
models.register("ast-audioset-untrained",
                partial(hub_model, __file__, "ast-audioset-untrained", random_weights=True),
                tags={"untrained", "offline"})
