"""Checks shared by the tests of the BEATs plugin folders (beats, beats_iter1, ...).

``release_layout`` is the parameter listing of the released checkpoints' ``model`` state dict,
written out from the authors' code (microsoft/unilm ``beats/BEATs.py`` and ``backbone.py``:
fairseq-style names, ``weight_norm`` on the position convolution, the relative position table
referenced by every layer) for their published configuration.
"""

from __future__ import annotations

from brainscore_audio.registry import models


def release_layout(finetuned: bool, layers: int = 12) -> dict[str, tuple[int, ...]]:
    """``{parameter name: shape}`` of a released BEATs checkpoint (90M parameters)."""
    dim, ffn, heads = 768, 3072, 12
    layout: dict[str, tuple[int, ...]] = {
        "patch_embedding.weight": (512, 1, 16, 16),  # conv_bias False
        "layer_norm.weight": (512,), "layer_norm.bias": (512,),
        "post_extract_proj.weight": (dim, 512), "post_extract_proj.bias": (dim,),
        "encoder.pos_conv.0.weight_g": (1, 1, 128),  # weight_norm(dim=2)
        "encoder.pos_conv.0.weight_v": (dim, dim // 16, 128),
        "encoder.pos_conv.0.bias": (dim,),
        "encoder.layer_norm.weight": (dim,), "encoder.layer_norm.bias": (dim,),
    }
    for i in range(layers):
        p = f"encoder.layers.{i}."
        for proj in ("k_proj", "v_proj", "q_proj", "out_proj"):
            layout[f"{p}self_attn.{proj}.weight"] = (dim, dim)
            layout[f"{p}self_attn.{proj}.bias"] = (dim,)
        layout[f"{p}self_attn.relative_attention_bias.weight"] = (320, heads)
        layout[f"{p}self_attn.grep_linear.weight"] = (8, dim // heads)
        layout[f"{p}self_attn.grep_linear.bias"] = (8,)
        layout[f"{p}self_attn.grep_a"] = (1, heads, 1, 1)
        for norm in ("self_attn_layer_norm", "final_layer_norm"):
            layout[f"{p}{norm}.weight"] = (dim,)
            layout[f"{p}{norm}.bias"] = (dim,)
        layout[f"{p}fc1.weight"], layout[f"{p}fc1.bias"] = (ffn, dim), (ffn,)
        layout[f"{p}fc2.weight"], layout[f"{p}fc2.bias"] = (dim, ffn), (dim,)
    if finetuned:
        layout["predictor.weight"], layout["predictor.bias"] = (527, dim), (527,)
    return layout


def state_dict_layout(module) -> dict[str, tuple[int, ...]]:
    """``{name: shape}`` of a module's state dict."""
    return {name: tuple(tensor.shape) for name, tensor in module.state_dict().items()}


def check_release_plugin(model_id: str, filename: str, study_name: str, finetuned: bool) -> None:
    """A release folder declares the authors' file, the study's name for it, and builds an
    encoder whose state dict has exactly the released keys and shapes (on the meta device)."""
    import torch

    from .network import BEATsEncoder

    entry = models.entry(model_id)
    assert {"pretrained", "needs-download"} <= entry.tags
    metadata = entry.metadata()
    assert metadata["study_names"] == {"pepino2025": study_name}
    model = models.make(model_id)
    assert model.weights.filename == filename
    assert model.weights.url.startswith("https://valle.blob.core.windows.net/share/BEATs/")
    with torch.device("meta"):
        encoder = BEATsEncoder(model.architecture)
    assert state_dict_layout(encoder) == release_layout(finetuned)
    assert model.layers == ["patch"] + [f"hidden{i}" for i in range(13)]
