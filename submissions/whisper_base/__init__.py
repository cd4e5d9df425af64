"""Plugin `whisper-base` (openai/whisper-base on the Hugging Face hub)
and its untrained twin. Registration only."""

from functools import partial

from brainscore_audio.adapters.hf.plugin import hub_model
from brainscore_audio.registry import models

models.register("whisper-base", partial(hub_model, __file__, "whisper-base"),
                tags={"pretrained", "needs-download"})
models.register("whisper-base-untrained",
                partial(hub_model, __file__, "whisper-base-untrained", random_weights=True),
                tags={"untrained", "offline"})
