"""Checks shared by the tests of the Dasheng release folders (dasheng_06b, dasheng_12b).

``release_layout`` lists the ``model`` state dict of a released Dasheng checkpoint, written out
from the authors' code (the dasheng package's ``AudioTransformerMAE_Encoder``: torchaudio front
end buffers, ``init_bn``, conv patch embedding, separate time and frequency position embeddings,
timm-style pre-norm blocks with fused qkv, final norm) for the published sizes.
"""

from __future__ import annotations

from brainscore_audio.registry import models


def release_layout(embed_dim: int, depth: int) -> dict[str, tuple[int, ...]]:
    """``{checkpoint key: shape}`` of a released Dasheng encoder (mean pooling, no LayerScale)."""
    d = embed_dim
    layout: dict[str, tuple[int, ...]] = {
        "front_end.0.spectrogram.window": (512,), "front_end.0.mel_scale.fb": (257, 64),
        "init_bn.1.weight": (64,), "init_bn.1.bias": (64,), "init_bn.1.running_mean": (64,),
        "init_bn.1.running_var": (64,), "init_bn.1.num_batches_tracked": (),
        "patch_embed.proj.weight": (d, 1, 64, 4), "patch_embed.proj.bias": (d,),
        "time_pos_embed": (1, d, 1, 1008 // 4), "freq_pos_embed": (1, d, 1, 1),
        "norm.weight": (d,), "norm.bias": (d,),
    }
    for i in range(depth):
        p = f"blocks.{i}."
        for name, shape in (("norm1.weight", (d,)), ("norm1.bias", (d,)),
                            ("attn.qkv.weight", (3 * d, d)), ("attn.qkv.bias", (3 * d,)),
                            ("attn.proj.weight", (d, d)), ("attn.proj.bias", (d,)),
                            ("norm2.weight", (d,)), ("norm2.bias", (d,)),
                            ("mlp.fc1.weight", (4 * d, d)), ("mlp.fc1.bias", (4 * d,)),
                            ("mlp.fc2.weight", (d, 4 * d)), ("mlp.fc2.bias", (d,))):
            layout[p + name] = shape
    return layout


def encoder_release_layout(encoder) -> dict[str, tuple[int, ...]]:
    """The keys and shapes an encoder expects from a release: its own state dict under the
    release's names (``front_end.bn`` is ``init_bn.1``) plus the torchaudio front-end buffers
    that :meth:`DashengEncoder.load_release_state` checks instead of loading."""
    layout = {name.replace("front_end.bn.", "init_bn.1."): tuple(t.shape)
              for name, t in encoder.state_dict().items()}
    layout["front_end.0.spectrogram.window"] = tuple(encoder.front_end.window.shape)
    layout["front_end.0.mel_scale.fb"] = tuple(encoder.front_end.fb.T.shape)
    return layout


def check_dasheng_release(model_id: str, filename: str, study_name: str,
                          nominal_parameters: float) -> None:
    """A release folder declares the authors' Zenodo file and the study's name for it, and
    builds an encoder of the nominal size whose layout is exactly the release's (meta device)."""
    import torch

    from .network import DashengEncoder

    entry = models.entry(model_id)
    assert {"pretrained", "needs-download"} <= entry.tags
    assert entry.metadata()["study_names"] == {"pepino2025": study_name}
    model = models.make(model_id)
    assert model.weights.filename == filename
    assert model.weights.url == f"https://zenodo.org/records/11511780/files/{filename}?download=1"
    with torch.device("meta"):
        encoder = DashengEncoder(**model.architecture)
    arch = model.architecture
    assert encoder_release_layout(encoder) == release_layout(arch["embed_dim"], arch["depth"])
    count = sum(p.numel() for p in encoder.parameters())
    assert abs(count / nominal_parameters - 1) < 0.06, count  # the paper's rounded sizes
