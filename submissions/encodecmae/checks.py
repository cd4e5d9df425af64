"""Checks shared by the tests of the EnCodecMAE plugin folders (encodecmae, encodecmae_mel256_ec_*).

``release_layout`` lists the feature-encoder tensors of a released checkpoint's ``state_dict``,
written out from the authors' code (habla-liaa/encodecmae: ``WavEncoder.post_net``,
``PatchoutMask.positional_encoder.scale``, ``TransformerEncoder`` of ``MultiHeadAttention`` layers
without biases, ``ff_layer`` Linear-ReLU-Linear, ``final_norm``; for ec-ec, ``EncodecEncoder``
around the ``encodec`` package's 24 kHz SEANet encoder) for their gin configuration.
"""

from __future__ import annotations

from brainscore_audio.registry import models

HUB = "https://huggingface.co/lpepino/encodecmae-v2/resolve/main/"


def encodec_layout() -> dict[str, tuple[int, ...]]:
    """``{checkpoint key: shape}`` of the EnCodec 24 kHz encoder inside an ec-ec checkpoint: the
    ``encodec`` package's SEANetEncoder (32 filters, strides 2, 4, 5, 8, one residual block per
    stage with a 1x1 conv shortcut, 2-layer LSTM, 128 output dims; weight norm as g and v)."""
    layout: dict[str, tuple[int, ...]] = {}

    def conv(index: str, out: int, inp: int, kernel: int) -> None:
        p = f"wav_encoder.encoder.model.model.{index}.conv.conv."
        layout[p + "weight_g"], layout[p + "weight_v"] = (out, 1, 1), (out, inp, kernel)
        layout[p + "bias"] = (out,)

    conv("0", 32, 1, 7)
    for stage, stride in enumerate((2, 4, 5, 8)):
        c, i = 32 * 2**stage, 1 + 3 * stage
        conv(f"{i}.block.1", c // 2, c, 3)
        conv(f"{i}.block.3", c, c // 2, 1)
        conv(f"{i}.shortcut", c, c, 1)
        conv(f"{i + 2}", 2 * c, c, 2 * stride)
    for k in range(2):
        p = "wav_encoder.encoder.model.model.13.lstm."
        layout[f"{p}weight_ih_l{k}"] = layout[f"{p}weight_hh_l{k}"] = (2048, 512)
        layout[f"{p}bias_ih_l{k}"] = layout[f"{p}bias_hh_l{k}"] = (2048,)
    conv("15", 128, 512, 7)
    return layout


def release_layout(model_dim: int, layers: int, heads: int = 12, ff_dim: int = 4096,
                   n_mels: int = 256, encodec: bool = False) -> dict[str, tuple[int, ...]]:
    """``{checkpoint key: shape}`` of the feature encoder in a released checkpoint (with the
    EnCodec encoder's tensors for ``encodec=True``, whose 128 dims replace the mel bands)."""
    inner = (model_dim // heads) * heads  # 1020 for the large model's 1024 dims and 12 heads
    layout: dict[str, tuple[int, ...]] = encodec_layout() if encodec else {}
    layout |= {
        "wav_encoder.post_net.weight": (model_dim, 128 if encodec else n_mels),
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


def check_release_plugin(model_id: str, study_name: str, model_dim: int, layers: int,
                         encodec: bool = False) -> None:
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
    assert encoder_release_layout(encoder) == release_layout(model_dim, layers, encodec=encodec)
    assert model.layers == ["input"] + [f"layer{i}" for i in range(1, layers + 1)]
    assert model.sample_rate == 24_000
    assert model.architecture.front_end == ("encodec" if encodec else "mel")
