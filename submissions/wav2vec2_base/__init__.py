"""Plugin `wav2vec2-base` (facebook/wav2vec2-base on the Hugging Face hub)
and its untrained twin. Registration only."""

from functools import partial

from brainscore_audio.adapters.hf.plugin import hub_model
from brainscore_audio.registry import models

models.register("wav2vec2-base", partial(hub_model, __file__, "wav2vec2-base"),
                tags={"pretrained", "needs-download"})
models.register("wav2vec2-base-untrained",
                partial(hub_model, __file__, "wav2vec2-base-untrained", random_weights=True),
                tags={"untrained", "offline"})
