"""The hf: adapter on tiny configs of every supported family (random weights, offline), the
pretrained loading path on a local save_pretrained folder, and its one-line errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from brainscore_audio.adapters.hf.model import RANDOM_WEIGHTS_ENV, HFModel
from brainscore_audio.errors import UserError
from brainscore_audio.registry import models

SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
CNN = dict(conv_dim=[16] * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
W2V_PRE = dict(feature_extractor_type="Wav2Vec2FeatureExtractor", sampling_rate=16000,
               do_normalize=True, feature_size=1, padding_value=0.0)
TINY = {
    "wav2vec2": (dict(model_type="wav2vec2", **SMALL, **CNN), W2V_PRE),
    "hubert": (dict(model_type="hubert", **SMALL, **CNN), W2V_PRE),
    "wavlm": (dict(model_type="wavlm", **SMALL, **CNN), W2V_PRE),
    "data2vec-audio": (dict(model_type="data2vec-audio", **SMALL, **CNN, conv_pos_kernel_size=5), W2V_PRE),
    "ast": (dict(model_type="audio-spectrogram-transformer", **SMALL, max_length=256, num_mel_bins=32),
            dict(feature_extractor_type="ASTFeatureExtractor", num_mel_bins=32, max_length=256,
                 sampling_rate=16000)),
    "whisper": (dict(model_type="whisper", d_model=32, encoder_layers=2, decoder_layers=1,
                     encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                     decoder_ffn_dim=64, vocab_size=64, pad_token_id=0, bos_token_id=1,
                     eos_token_id=2, decoder_start_token_id=1),
                dict(feature_extractor_type="WhisperFeatureExtractor", feature_size=80,
                     sampling_rate=16000)),
    "clap": (dict(model_type="clap_audio_model", hidden_size=32, patch_embeds_hidden_size=16,
                  depths=[1, 1], num_attention_heads=[2, 2], projection_dim=16),
             dict(feature_extractor_type="ClapFeatureExtractor", sampling_rate=48000)),
    "qwen2_audio": (dict(model_type="qwen2_audio", audio_token_index=60,
                         audio_config=dict(model_type="qwen2_audio_encoder", d_model=32,
                                           encoder_layers=2, encoder_attention_heads=2,
                                           encoder_ffn_dim=64, num_mel_bins=128),
                         text_config=dict(model_type="qwen2", **SMALL, num_key_value_heads=1,
                                          vocab_size=64)),
                    dict(feature_extractor_type="WhisperFeatureExtractor", feature_size=128,
                         sampling_rate=16000)),
}
EXPECTED_LAYERS = {
    "wav2vec2": ["cnn", "hidden0", "hidden1", "hidden2"],
    "ast": ["hidden0", "hidden1", "hidden2"],
    "whisper": ["hidden0", "hidden1", "hidden2"],
    "clap": ["patch_embed", "stage1", "stage2", "projection"],
    "qwen2_audio": ["encoder.hidden0", "encoder.hidden1", "encoder.hidden2", "decoder.hidden0",
                    "decoder.hidden1", "decoder.hidden2"],
}


def tiny(kind: str, **kwargs) -> HFModel:
    config, pre = TINY[kind]
    kwargs.setdefault("random_weights", True)
    return HFModel(f"tiny/{kind}", config=config, preprocessor=pre, **kwargs)


def noise(seconds: float, rate: int, batch: int = 2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal((batch, int(seconds * rate)))).astype(np.float32)


@pytest.mark.parametrize("kind", list(TINY))
@pytest.mark.slow
def test_every_family_gives_declared_layers_with_honest_hops(kind):
    model = tiny(kind)
    if kind in EXPECTED_LAYERS:
        assert model.layers == EXPECTED_LAYERS[kind]
    seconds = 0.9
    out = model.embed(noise(seconds, model.sample_rate), model.layers)
    assert list(out) == model.layers
    for name, act in out.items():
        assert act.values.dtype == np.float32 and act.values.shape[0] == 2
        assert np.all(np.isfinite(act.values))
        if act.hop_seconds is None:
            assert act.values.shape[1] == 1
        else:  # frames cover the clip: within one frame of duration / hop
            assert abs(act.values.shape[1] - seconds / act.hop_seconds) <= 1.5, (name, act)


@pytest.mark.slow
def test_waveform_frames_follow_the_cnn_and_cnn_layer_is_the_feature_encoder():
    model = tiny("wav2vec2")
    n = 8000
    out = model.embed(noise(n / 16000, 16000), ["cnn", "hidden0"])
    assert out["cnn"].values.shape == (2, (n - 400) // 320 + 1, 16)  # 25 ms field, 20 ms hop
    module = model._model
    with torch.no_grad():
        x = torch.from_numpy(noise(n / 16000, 16000))
        x = (x - x.mean(1, keepdim=True)) / torch.sqrt(x.var(1, keepdim=True, unbiased=False) + 1e-7)
        reference = module.feature_extractor(x).transpose(1, 2).numpy()
    np.testing.assert_allclose(out["cnn"].values, reference, rtol=1e-4, atol=1e-5)


def test_ast_keeps_time_patches_inside_the_clip_and_averages_frequency():
    model = tiny("ast")
    out = model.embed(noise(0.95, 16000), ["hidden2"])["hidden2"]
    fbank_frames = 1 + (int(0.95 * 16000) - 400) // 160
    assert out.values.shape == (2, math.ceil(fbank_frames / 10), 32) and out.hop_seconds == 0.1


def test_whisper_long_clip_uses_30_s_windows_and_keeps_only_audio_frames():
    model = tiny("whisper")
    out = model.embed(noise(31, 16000, batch=1), ["hidden1"])["hidden1"]
    assert out.values.shape == (1, 1500 + math.ceil(16000 / 320), 32)


def test_qwen2_audio_decoder_reads_the_projected_audio_tokens():
    model = tiny("qwen2_audio")
    audio = noise(0.5, 16000)
    out = model.embed(audio, ["encoder.hidden2", "decoder.hidden0", "decoder.hidden2"])
    tokens = math.ceil(len(audio[0]) / 640)
    assert out["decoder.hidden2"].values.shape == (2, tokens, 32)
    assert out["encoder.hidden2"].hop_seconds == 0.02 and out["decoder.hidden2"].hop_seconds == 0.04
    inner = getattr(model._model, "model", model._model)
    with torch.no_grad():
        features = model._extractor(list(audio), sampling_rate=16000, return_tensors="pt")
        last = inner.audio_tower(features["input_features"]).last_hidden_state[:, :tokens]
        projected = inner.multi_modal_projector(last).numpy()
    np.testing.assert_allclose(out["decoder.hidden0"].values, projected, rtol=1e-4, atol=1e-5)


def test_random_weights_are_seeded_and_recorded():
    audio = noise(0.5, 16000)
    a = tiny("wav2vec2").embed(audio, ["hidden2"])["hidden2"].values
    b = tiny("wav2vec2").embed(audio, ["hidden2"])["hidden2"].values
    c = tiny("wav2vec2", seed=1).embed(audio, ["hidden2"])["hidden2"].values
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    model = tiny("wav2vec2")
    assert model.version == "1+random" and "random weights" in model.checkpoint


def test_environment_variable_switches_hub_models_to_random_weights(monkeypatch):
    config, pre = TINY["wav2vec2"]
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    assert HFModel("org/x", config=config, preprocessor=pre).random_weights
    with pytest.raises(UserError, match="random weights need the architecture's config"):
        HFModel("org/x")
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "0")
    assert not HFModel("org/x", config=config, preprocessor=pre).random_weights


def test_pretrained_path_loads_saved_weights_not_random_ones(tmp_path):
    source = tiny("wav2vec2", seed=7)
    audio = noise(0.5, 16000)
    expected = source.embed(audio, ["hidden2"])["hidden2"].values
    source._model.save_pretrained(tmp_path)
    source._extractor.save_pretrained(tmp_path)
    loaded = HFModel(str(tmp_path), identifier="local-w2v", random_weights=False)
    assert loaded.layers == EXPECTED_LAYERS["wav2vec2"] and loaded.version == "1"
    np.testing.assert_allclose(loaded.embed(audio, ["hidden2"])["hidden2"].values, expected,
                               rtol=1e-5, atol=1e-6)


def test_plugin_config_that_disagrees_with_the_checkpoint_is_refused(tmp_path):
    source = tiny("wav2vec2")
    source.load()
    source._model.save_pretrained(tmp_path)
    source._extractor.save_pretrained(tmp_path)
    config = dict(TINY["wav2vec2"][0], num_hidden_layers=3)
    model = HFModel(str(tmp_path), config=config, random_weights=False)
    with pytest.raises(UserError, match="declares 5; fix the plugin's config.json"):
        model.load()


def test_unreachable_hub_gives_one_line_error(monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # no network retries
    model = models.make("hf:no-such-org/no-such-model")
    assert model.identifier == "hf:no-such-org/no-such-model"
    with pytest.raises(UserError) as error:
        model.layers  # noqa: B018 - the config is fetched on first use
    message = str(error.value)
    assert "no-such-org/no-such-model" in message and "needs internet" in message
    assert "\n" not in message


def test_unsupported_architecture_names_the_supported_ones():
    model = HFModel("org/bert", config={"model_type": "bert"}, random_weights=True)
    with pytest.raises(UserError, match="model_type 'bert' is not supported.*wav2vec2"):
        model.layers  # noqa: B018


def test_unknown_layer_is_a_user_error():
    with pytest.raises(UserError, match="unknown layer"):
        tiny("wav2vec2").embed(noise(0.2, 16000), ["hidden9"])


# -- pinned, checked weights (issue 11 item 4) -------------------------------------------------
def _saved(tmp_path, kind="wav2vec2", pretraining=False):
    """A tiny checkpoint folder (save_pretrained) of ``kind``; ``pretraining``: saved from the
    pre-training model (base model plus a quantizer head), as facebook/wav2vec2-base is."""
    source = tiny(kind, seed=3)
    source.load()
    if pretraining:
        from transformers import Wav2Vec2ForPreTraining

        full = Wav2Vec2ForPreTraining(source._model.config)
        full.wav2vec2.load_state_dict(source._model.state_dict())
        full.save_pretrained(tmp_path)
    else:
        source._model.save_pretrained(tmp_path)
    source._extractor.save_pretrained(tmp_path)
    return source


def _edit_weights(folder, edit):
    from safetensors.torch import load_file, save_file

    path = folder / "model.safetensors"
    state = load_file(path)
    edit(state)
    save_file(state, path, metadata={"format": "pt"})


def test_checkpoint_missing_weights_is_refused_in_one_line(tmp_path):
    _saved(tmp_path)
    _edit_weights(tmp_path, lambda state: state.pop("encoder.layers.0.attention.k_proj.weight"))
    model = HFModel(str(tmp_path), identifier="local", random_weights=False)
    with pytest.raises(UserError) as error:
        model.load()
    assert "lacks 1 weight(s) of the model (e.g. encoder.layers.0.attention.k_proj.weight)" \
        in str(error.value) and "\n" not in str(error.value)


def test_checkpoint_weights_the_modules_do_not_take_are_refused(tmp_path):
    _saved(tmp_path)
    _edit_weights(tmp_path, lambda state: state.update(
        {"encoder.layers.0.surprise.weight": torch.zeros(3)}))
    with pytest.raises(UserError, match=r"has 1 weight\(s\) the model's modules do not take "
                                        r"\(e.g. encoder.layers.0.surprise.weight\)"):
        HFModel(str(tmp_path), identifier="local", random_weights=False).load()


def test_pretraining_heads_are_dropped_and_listed_not_refused(tmp_path):
    source = _saved(tmp_path, pretraining=True)
    audio = noise(0.4, 16000)
    loaded = HFModel(str(tmp_path), identifier="local", random_weights=False)
    np.testing.assert_allclose(loaded.embed(audio, ["hidden2"])["hidden2"].values,
                               source.embed(audio, ["hidden2"])["hidden2"].values,
                               rtol=1e-5, atol=1e-6)
    assert loaded.dropped_weights and all(k.startswith(("quantizer.", "project_"))
                                          for k in loaded.dropped_weights)
    assert loaded.checkpoint.startswith(f"{tmp_path.resolve()} (local folder) sha256:")


def test_revisions_are_commits_and_the_served_commit_is_checked(monkeypatch):
    config, pre = TINY["wav2vec2"]
    with pytest.raises(UserError, match="revision must be a 40-hex commit"):
        HFModel("org/x", config=config, preprocessor=pre, random_weights=False, revision="main")
    pinned = HFModel("org/x", config=config, preprocessor=pre, random_weights=False,
                     revision="a" * 40)
    assert pinned.checkpoint == f"org/x@{'a' * 40}"
    built = tiny("wav2vec2")
    built.load()
    built._model.config._commit_hash = "b" * 40
    monkeypatch.setattr(type(pinned.family), "build",
                        lambda self, repo, **kw: (built._model, {"missing_keys": []}))
    monkeypatch.setattr(pinned, "_build_extractor", lambda: built._extractor)
    with pytest.raises(UserError, match=f"served commit {'b' * 40} of 'org/x', not the pinned"):
        pinned.load()


def test_random_weights_from_the_environment_rename_the_model(monkeypatch):
    config, pre = TINY["wav2vec2"]
    monkeypatch.setenv(RANDOM_WEIGHTS_ENV, "1")
    assert HFModel("org/x", identifier="x", config=config, preprocessor=pre).identifier == \
        "x+random-weights"
    twin = HFModel("org/x", identifier="x-untrained", config=config, preprocessor=pre,
                   random_weights=True)
    assert twin.identifier == "x-untrained"  # a declared control keeps its name
