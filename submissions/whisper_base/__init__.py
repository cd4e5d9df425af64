"""Plugin `whisper-base` (openai/whisper-base on the Hugging Face hub)
and its untrained twin. Registration only."""

from brainscore_audio.adapters.hf.plugin import register_hub_plugin

register_hub_plugin(__file__, "whisper-base")  # and whisper-base-untrained
