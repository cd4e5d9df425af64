"""Plugin `qwen2-audio-7b-instruct` (Qwen/Qwen2-Audio-7B-Instruct on the Hugging Face hub, revision pinned
in metadata.yaml).
No untrained twin: an 8.4B-parameter model with random weights does not fit a CI machine (see
config-validate.json and docs/submit.md). Registration only."""

from functools import partial

from brainscore_audio.adapters.hf.plugin import hub_model
from brainscore_audio.registry import models

models.register("qwen2-audio-7b-instruct", partial(hub_model, __file__, "qwen2-audio-7b-instruct"),
                tags={"pretrained", "needs-download"})
