"""ONNX models with intermediate tensors as layers.

An exported graph only returns its final outputs. :func:`session_with_outputs` appends the named
intermediate tensors to the graph's outputs (with the ``onnx`` package) and opens an
onnxruntime CPU session on the edited graph, so one run returns every layer. The file on disk is
not changed. ``onnx`` and ``onnxruntime`` are imported here only when a session is opened.
:class:`OnnxWheelModel` is the base of plugins running such a graph shipped in a PyPI wheel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UserError
from ..model import AudioModel


def session_with_outputs(path: str | Path, tensors: list[str], threads: int | None = None
                         ) -> tuple[Any, str]:
    """An onnxruntime session returning ``tensors`` (in that order) from the graph at ``path``.

    Args:
        path: the ``.onnx`` file.
        tensors: names of node outputs to return (graph outputs may be among them).
        threads: intra-op threads (default: onnxruntime's choice).
    Returns:
        ``(session, input_name)``; ``session.run(tensors, {input_name: x})`` gives the layers.
    Raises:
        UserError: naming the missing tensors when the graph does not produce them (e.g. a
            different version of the model file).
    """
    import onnx
    import onnxruntime

    model = onnx.load(str(path))
    graph = model.graph
    produced = {name for node in graph.node for name in node.output}
    missing = [name for name in tensors if name not in produced]
    if missing:
        raise UserError(f"{path}: the ONNX graph has no tensor(s) {', '.join(missing[:3])}; "
                        "is this the model version the plugin was written for?")
    present = {output.name for output in graph.output}
    for name in tensors:
        if name not in present:
            graph.output.append(onnx.ValueInfoProto(name=name))
    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(model.SerializeToString(), options,
                                           providers=["CPUExecutionProvider"])
    return session, graph.input[0].name


class OnnxWheelModel(AudioModel):
    """Base of plugins that run an ONNX graph shipped inside a PyPI wheel (read without
    importing the package) on onnxruntime's CPU provider.

    Subclasses set ``package`` (the wheel's import name), ``onnx_path`` (path parts of the
    ``.onnx`` file inside it), ``install_hint``, ``outputs`` (tensors a run returns, in order)
    and optionally ``threads``; :meth:`load` opens ``self._session`` (input name
    ``self._input``).
    """

    package: str
    onnx_path: tuple[str, ...]
    install_hint: str
    outputs: list[str]
    threads: int | None = None

    def __init__(self) -> None:
        self._session: Any = None
        self._input = ""

    def load(self, device: str = "cpu") -> None:
        if device != "cpu":
            raise UserError(f"{self.identifier} runs on onnxruntime's CPU provider; got --device "
                            f"{device}")
        if self._session is not None:
            return
        from .assets import package_file

        path = package_file(self.package, *self.onnx_path, install_hint=self.install_hint)
        self._session, self._input = session_with_outputs(path, self.outputs, threads=self.threads)
