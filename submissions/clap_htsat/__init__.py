"""Plugin `clap-htsat` (laion/clap-htsat-unfused on the Hugging Face hub)
and its untrained twin. Registration only."""

from functools import partial

from brainscore_audio.adapters.hf.plugin import hub_model
from brainscore_audio.registry import models

models.register("clap-htsat", partial(hub_model, __file__, "clap-htsat"),
                tags={"pretrained", "needs-download"})
models.register("clap-htsat-untrained",
                partial(hub_model, __file__, "clap-htsat-untrained", random_weights=True),
                tags={"untrained", "offline"})
