"""Checks shared by the tests of the EnCodecMAE plugin folders (encodecmae, encodecmae_mel256_ec_*).

``release_layout`` lists the feature-encoder tensors of a released checkpoint's ``state_dict``,
written out from the authors' code (habla-liaa/encodecmae: ``WavEncoder.post_net``,
``PatchoutMask.positional_encoder.scale``, ``TransformerEncoder`` of ``MultiHeadAttention`` layers
without biases, ``ff_layer`` Linear-ReLU-Linear, ``final_norm``) for their gin configuration.
"""

from __future__ import annotations

from brainscore_audio.registry import models

HUB = "https://huggingface.co/lpepino/encodecmae-v2/resolve/main/"


def release_layout(model_dim: int, layers: int, heads: int = 12, ff_dim: int = 4096,
                   n_mels: int = 256) -> dict[str, tuple[int, ...]]:
    """``{checkpoint key: shape}`` of the feature encoder in a released checkpoint."""
    inner = (model_dim // heads) * heads  # 1020 for the large model's 1024 dims and 12 heads
    layout: dict[str, tuple[int, ...]] = {
        "wav_encoder.post_net.weight": (model_dim, n_mels),
        "wav_encoder.post_net.bias": (model_dim,),
        "masker.positional_encoder.scale": (),
        "visible_encoder.final_norm.weight": (model_dim,),
        "visible_encoder.final_norm.bias": (model_dim,),
    }
    for i in range(layers):
        p = f"visible_encoder.encoder_layers.{i}."
        for name in ("wq", "wk", "wv"):
            layout[f"{p}att_layer.{name}.weight"] = (inner, model_dim)
        layout[f"{p}att_layer.wo.weight"] = (model_dim, inner)
        for norm in ("norm1", "norm2"):
            layout[f"{p}{norm}.weight"] = layout[f"{p}{norm}.bias"] = (model_dim,)
        layout[f"{p}ff_layer.0.weight"], layout[f"{p}ff_layer.0.bias"] = (ff_dim, model_dim), (ff_dim,)
        layout[f"{p}ff_layer.2.weight"], layout[f"{p}ff_layer.2.bias"] = (model_dim, ff_dim), (model_dim,)
    return layout


def encoder_release_layout(encoder) -> dict[str, tuple[int, ...]]:
    """``{checkpoint key: shape}`` that an encoder takes from a release (its own shapes)."""
    own = {name: tuple(t.shape) for name, t in encoder.state_dict().items()}
    return {key: own[name] for key, name in encoder.release_names().items()}


def check_release_plugin(model_id: str, study_name: str, model_dim: int, layers: int) -> None:
    """A release folder declares the authors' hub file, the study's name for it, and builds an
    encoder taking exactly the released encoder tensors with their shapes (meta device)."""
    import torch

    from .network import EncodecMAEEncoder

    entry = models.entry(model_id)
    assert {"pretrained", "needs-download"} <= entry.tags
    assert entry.metadata()["study_names"] == {"pepino2025": study_name}
    model = models.make(model_id)
    assert model.weights.url == f"{HUB}{study_name}.pt"
    with torch.device("meta"):
        encoder = EncodecMAEEncoder(model.architecture)
    assert encoder_release_layout(encoder) == release_layout(model_dim, layers)
    assert model.layers == ["input"] + [f"layer{i}" for i in range(1, layers + 1)]
    assert model.sample_rate == 24_000
