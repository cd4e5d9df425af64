"""Plugin `basic-pitch` (Spotify's note transcriber, ONNX graph from the basic-pitch wheel).
Registration only."""

from brainscore_audio.registry import models

from .model import BasicPitch

models.register("basic-pitch", BasicPitch, tags={"pretrained", "offline"})
