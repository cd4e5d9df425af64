"""Plugin `wavlm-base-plus` (microsoft/wavlm-base-plus on the Hugging Face hub)
and its untrained twin. Registration only."""

from brainscore_audio.adapters.hf.plugin import register_hub_plugin

register_hub_plugin(__file__, "wavlm-base-plus")  # and wavlm-base-plus-untrained
