"""How each transformers audio architecture is fed and read: one small class per family.

A family turns a ``(batch, samples)`` waveform into the model's inputs, runs it, and returns
``{layer: (values (batch, frames, dim), hop_seconds)}``. Families are chosen by the config's
``model_type``; nothing here names a checkpoint.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...optional import require

#: Waveform encoders (CNN feature encoder + transformer), ``hidden_states`` as layers.
WAVEFORM_TYPES = ("wav2vec2", "hubert", "wavlm", "data2vec-audio", "unispeech", "unispeech-sat",
                  "sew", "sew-d", "wav2vec2-conformer")


def _numpy(tensor: Any) -> np.ndarray:
    return np.ascontiguousarray(tensor.detach().float().cpu().numpy(), dtype=np.float32)


class Family:
    """Base: ``layer_names(config)``, ``sample_rate``, ``model_class``, ``forward(...)``."""

    sample_rate = 16_000

    def __init__(self, config: Any) -> None:
        self.config = config

    def layer_names(self) -> list[str]:
        raise NotImplementedError

    def build(self, repo_id: str | None, **kwargs: Any) -> Any:
        """``from_pretrained(repo_id, **kwargs)`` (with ``output_loading_info=True``: a
        ``(model, info)`` pair) or, with ``repo_id=None``, random weights from config."""
        cls = self.model_class()
        if repo_id is None:
            return cls.from_config(self.config)
        return cls.from_pretrained(repo_id, **kwargs)

    def model_class(self) -> Any:
        require("transformers", "models of the hf: adapter and their front ends")
        from transformers import AutoModel

        return AutoModel

    def forward(self, model: Any, extractor: Any, audio: np.ndarray, layers: list[str],
                device: str) -> dict[str, tuple[np.ndarray, float | None]]:
        raise NotImplementedError


class WaveformFamily(Family):
    """wav2vec 2.0, HuBERT, WavLM, data2vec-audio, ...: ``cnn`` is the CNN feature encoder's
    output; ``hidden<k>`` is the output of transformer layer k (``hidden0``: its input, the
    projected CNN features plus the convolutional position embedding)."""

    def layer_names(self) -> list[str]:
        return ["cnn"] + [f"hidden{i}" for i in range(self.config.num_hidden_layers + 1)]

    @property
    def hop_seconds(self) -> float:
        return math.prod(self.config.conv_stride) / self.sample_rate

    def forward(self, model, extractor, audio, layers, device):
        inputs = extractor(list(audio), sampling_rate=self.sample_rate, return_tensors="pt")
        values = inputs["input_values"].to(device)
        captured = {}
        # The CNN encoder's output (batch, channels, frames), read by a hook: not every model
        # returns it (HuBERT does not).
        def keep_cnn(_module, _inputs, output) -> None:  # returning None keeps the output
            captured["cnn"] = output.transpose(1, 2)

        handle = model.feature_extractor.register_forward_hook(keep_cnn)
        try:
            out = model(values, output_hidden_states=True)
        finally:
            handle.remove()
        result = {}
        for name in layers:
            tensor = captured["cnn"] if name == "cnn" else out.hidden_states[int(name[6:])]
            result[name] = (_numpy(tensor), self.hop_seconds)
        return result


class ASTFamily(Family):
    """Audio Spectrogram Transformer: ``hidden<k>`` are the patch tokens of layer k averaged
    over the frequency patches, one frame per time patch (``time_stride`` x 10 ms), cut to the
    patches that start inside the clip (the input is padded to ``max_length`` frames)."""

    def layer_names(self) -> list[str]:
        return [f"hidden{i}" for i in range(self.config.num_hidden_layers + 1)]

    def _grid(self) -> tuple[int, int]:
        c = self.config
        freq = (c.num_mel_bins - c.patch_size) // c.frequency_stride + 1
        time = (c.max_length - c.patch_size) // c.time_stride + 1
        return freq, time

    def forward(self, model, extractor, audio, layers, device):
        inputs = extractor(list(audio), sampling_rate=self.sample_rate, return_tensors="pt")
        out = model(inputs["input_values"].to(device), output_hidden_states=True)
        freq, time = self._grid()
        frames = 1 + max(0, audio.shape[1] - 400) // 160  # kaldi fbank: 25 ms window, 10 ms hop
        keep = min(time, max(1, math.ceil(frames / self.config.time_stride)))
        hop = self.config.time_stride * 0.01
        result = {}
        for name in layers:
            tokens = out.hidden_states[int(name[6:])][:, -freq * time:]  # drop cls/distillation
            grid = tokens.reshape(len(audio), freq, time, -1).mean(dim=1)
            result[name] = (_numpy(grid[:, :keep]), hop)
        return result


class WhisperFamily(Family):
    """Whisper encoder: ``hidden<k>`` is encoder layer k's output (20 ms frames). Whisper
    always sees 30 s windows; clips are cut into 30 s windows (the last zero-padded, as Whisper
    does) and only frames inside the audio are kept."""

    WINDOW_SECONDS = 30

    def layer_names(self) -> list[str]:
        return [f"hidden{i}" for i in range(self.config.encoder_layers + 1)]

    def model_class(self):
        require("transformers", "models of the hf: adapter and their front ends")
        from transformers import WhisperModel

        return WhisperModel

    def build(self, repo_id, **kwargs):
        if repo_id is None:
            require("transformers", "models of the hf: adapter and their front ends")
            from transformers.models.whisper.modeling_whisper import WhisperEncoder

            return WhisperEncoder(self.config)
        loaded = self.model_class().from_pretrained(repo_id, **kwargs)
        if isinstance(loaded, tuple):  # output_loading_info: the encoder's keys are checked
            model, info = loaded
            return model.get_encoder(), _encoder_info(info)
        return loaded.get_encoder()

    def forward(self, model, extractor, audio, layers, device):
        window = self.WINDOW_SECONDS * self.sample_rate
        pieces: dict[str, list[np.ndarray]] = {name: [] for name in layers}
        for start in range(0, audio.shape[1], window):
            chunk = audio[:, start:start + window]
            inputs = extractor(list(chunk), sampling_rate=self.sample_rate, return_tensors="pt")
            out = model(inputs["input_features"].to(device), output_hidden_states=True)
            keep = max(1, math.ceil(chunk.shape[1] / 320))
            for name in layers:
                pieces[name].append(_numpy(out.hidden_states[int(name[6:])][:, :keep]))
        return {name: (np.concatenate(pieces[name], axis=1), 0.02) for name in layers}


class ClapFamily(Family):
    """CLAP audio tower (HTS-AT): ``patch_embed`` and ``stage1``..``stage4`` are the Swin
    stages' outputs averaged over their (time x frequency) grid, ``projection`` the audio
    embedding of the joint space; all clip-level. Clips longer than the model's 10 s are cut
    into 10 s windows whose outputs are averaged (no random crop)."""

    sample_rate = 48_000
    WINDOW_SECONDS = 10

    def layer_names(self) -> list[str]:
        return (["patch_embed"] + [f"stage{i + 1}" for i in range(len(self.config.depths))]
                + ["projection"])

    def model_class(self):
        require("transformers", "models of the hf: adapter and their front ends")
        from transformers import ClapAudioModelWithProjection

        return ClapAudioModelWithProjection

    def build(self, repo_id, **kwargs):
        if repo_id is None:
            return self.model_class()(self.config)
        return self.model_class().from_pretrained(repo_id, **kwargs)

    def forward(self, model, extractor, audio, layers, device):
        window = self.WINDOW_SECONDS * self.sample_rate
        sums: dict[str, np.ndarray] = {}
        count = 0
        for start in range(0, audio.shape[1], window):
            chunk = audio[:, start:start + window]
            inputs = extractor(list(chunk), sampling_rate=self.sample_rate, return_tensors="pt",
                               truncation="rand_trunc", padding="repeatpad")
            is_longer = inputs["is_longer"].zero_()  # windows are <= 10 s: never "longer"
            out = model(input_features=inputs["input_features"].to(device),
                        is_longer=is_longer.to(device), output_hidden_states=True)
            names = self.layer_names()
            for name in layers:
                if name == "projection":
                    value = _numpy(out.audio_embeds)
                else:
                    value = _numpy(out.hidden_states[names.index(name)].mean(dim=(2, 3)))
                sums[name] = sums.get(name, 0) + value
            count += 1
        return {name: ((sums[name] / count)[:, None, :].astype(np.float32), None)
                for name in layers}


class Qwen2AudioFamily(Family):
    """Qwen2-Audio: ``encoder.hidden<k>`` are the Whisper-style audio encoder's layers (20 ms
    frames, 30 s windows); ``decoder.hidden<k>`` are the language model's hidden states over the
    audio tokens (40 ms each; ``decoder.hidden0`` is the projected audio embedding it reads).
    No text prompt is added: the decoder reads the audio tokens alone."""

    WINDOW_SECONDS = 30

    def layer_names(self) -> list[str]:
        audio, text = self.config.audio_config, self.config.text_config
        return ([f"encoder.hidden{i}" for i in range(audio.encoder_layers + 1)]
                + [f"decoder.hidden{i}" for i in range(text.num_hidden_layers + 1)])

    def model_class(self):
        require("transformers", "models of the hf: adapter and their front ends")
        from transformers import Qwen2AudioForConditionalGeneration

        return Qwen2AudioForConditionalGeneration

    def build(self, repo_id, **kwargs):
        if repo_id is None:
            return self.model_class()(self.config)
        return self.model_class().from_pretrained(repo_id, **kwargs)

    @staticmethod
    def _parts(model: Any) -> tuple[Any, Any, Any]:
        inner = getattr(model, "model", model)  # transformers 5 wraps the parts in .model
        return inner.audio_tower, inner.multi_modal_projector, inner.language_model

    def forward(self, model, extractor, audio, layers, device):
        tower, projector, language_model = self._parts(model)
        window = self.WINDOW_SECONDS * self.sample_rate
        pieces: dict[str, list[np.ndarray]] = {name: [] for name in layers}
        want_decoder = any(name.startswith("decoder.") for name in layers)
        for start in range(0, audio.shape[1], window):
            chunk = audio[:, start:start + window]
            inputs = extractor(list(chunk), sampling_rate=self.sample_rate, return_tensors="pt")
            enc = tower(inputs["input_features"].to(device), output_hidden_states=True)
            keep_enc = max(1, math.ceil(chunk.shape[1] / 320))
            keep_tok = max(1, math.ceil(chunk.shape[1] / 640))
            dec = None
            if want_decoder:
                embeds = projector(enc.last_hidden_state[:, :keep_tok])
                dec = language_model(inputs_embeds=embeds, output_hidden_states=True)
            for name in layers:
                part, index = name.split(".hidden")
                if part == "encoder":
                    pieces[name].append(_numpy(enc.hidden_states[int(index)][:, :keep_enc]))
                else:
                    pieces[name].append(_numpy(dec.hidden_states[int(index)]))
        return {name: (np.concatenate(pieces[name], axis=1),
                       0.02 if name.startswith("encoder.") else 0.04) for name in layers}


def _encoder_info(info: dict[str, Any]) -> dict[str, Any]:
    """Loading info of a Whisper model restricted to its encoder (names relative to it): the
    decoder is not used, so its weights neither need to be there nor count as unexpected."""
    def inside(keys):
        return [k[len("encoder."):] for k in keys or [] if str(k).startswith("encoder.")]

    mismatched = [k for k in info.get("mismatched_keys") or []
                  if str(k[0] if isinstance(k, tuple) else k).startswith("encoder.")]
    return {"missing_keys": inside(info.get("missing_keys")),
            "unexpected_keys": inside(info.get("unexpected_keys")),
            "mismatched_keys": mismatched, "error_msgs": info.get("error_msgs") or []}


def family_for(config: Any) -> Family:
    """The family of a transformers config, or ``ValueError`` naming the supported types."""
    model_type = config.model_type
    if model_type in WAVEFORM_TYPES:
        return WaveformFamily(config)
    table = {"audio-spectrogram-transformer": ASTFamily, "whisper": WhisperFamily,
             "clap_audio_model": ClapFamily, "clap": ClapFamily, "qwen2_audio": Qwen2AudioFamily}
    if model_type not in table:
        supported = ", ".join(sorted((*WAVEFORM_TYPES, *table)))
        raise ValueError(f"model_type {model_type!r} is not supported by the hf: adapter "
                         f"(supported: {supported})")
    return table[model_type](config.audio_config if model_type == "clap" else config)
