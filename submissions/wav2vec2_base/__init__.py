"""Plugin `wav2vec2-base` (facebook/wav2vec2-base on the Hugging Face hub)
and its untrained twin. Registration only."""

from brainscore_audio.adapters.hf.plugin import register_hub_plugin

register_hub_plugin(__file__, "wav2vec2-base")  # and wav2vec2-base-untrained
