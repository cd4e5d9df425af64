"""Plugin `silero-vad` (Silero voice-activity detector, ONNX graph from the silero-vad wheel).
Registration only."""

from brainscore_audio.registry import models

from .model import SileroVAD

models.register("silero-vad", SileroVAD, tags={"pretrained", "offline"})
