"""Plugin `hubert-base` (facebook/hubert-base-ls960 on the Hugging Face hub)
and its untrained twin. Registration only."""

from functools import partial

from brainscore_audio.adapters.hf.plugin import hub_model
from brainscore_audio.registry import models

models.register("hubert-base", partial(hub_model, __file__, "hubert-base"),
                tags={"pretrained", "needs-download"})
models.register("hubert-base-untrained",
                partial(hub_model, __file__, "hubert-base-untrained", random_weights=True),
                tags={"untrained", "offline"})
