"""ONNX export of a fitted ALRNNClassifier / ALRNNRegressor (inference only).

The exported graph is written directly with ``onnx.helper`` from the fitted
weights (``estimator.linearize()``), not traced from torch: torch's tracing
exporters do not reproduce the recurrence for variable sequence lengths (the
legacy exporter's outputs differed from ``predict`` by up to 0.32; the
dynamo exporter fails on dynamic ``(n, T)``; and torch 2.13 deprecates the
TorchScript path).  The time loop is one ONNX ``Scan`` over the steps.

Inputs of the graph: ``X`` float32 ``(n, T, F)`` (zero-padded after each
sequence's end) and ``lengths`` int64 ``(n,)``.  Output ``y``:

* regressor, sequence-to-one: ``(n, k)`` -- ``predict`` (``(n,)`` there when fit
  on a 1-D y);
* classifier, sequence-to-one: ``(n, n_classes)`` -- ``predict_proba`` (labels:
  ``estimator.classes_[y.argmax(axis=1)]``);
* sequence-to-sequence estimators: ``(n, T, k)`` per step (probabilities for a
  classifier); steps after a sequence's end are padding, to be ignored.

Requires ``onnx`` (``pip install "sk_alrnn[onnx]"``; ``onnxruntime`` to run it).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["to_onnx"]

_OPSET = 17


def to_onnx(estimator) -> onnx.ModelProto:
    """Export a fitted AL-RNN estimator's inference path as an ONNX model.

    Parameters
    ----------
    estimator : ALRNNClassifier or ALRNNRegressor
        A fitted estimator (any device; the weights are read through
        ``linearize()``).

    Returns
    -------
    model : onnx.ModelProto
        Inputs ``X`` (float32, ``(n, T, F)``, zero-padded) and ``lengths``
        (int64, ``(n,)``); output ``y`` as described in the module docstring.
        Save it with ``onnx.save(model, path)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn import ALRNNRegressor
    >>> from sk_alrnn.contrib.onnx import to_onnx
    >>> X = np.random.RandomState(0).randn(20, 6, 2)
    >>> reg = ALRNNRegressor(M=4, P=1, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
    >>> model = to_onnx(reg)
    >>> [i.name for i in model.graph.input], [o.name for o in model.graph.output]
    (['X', 'lengths'], ['y'])
    """
    system = estimator.linearize()
    proba = hasattr(estimator, "classes_")
    sequence = bool(getattr(estimator, "_sequence_output_", False))
    weights = {name: np.asarray(getattr(system, name), dtype=np.float32) for name in "aWChBb"}
    M, P, F = weights["a"].shape[0], system.P, weights["C"].shape[1]
    linear = (np.arange(M) < M - P).astype(np.float32)
    initializers = [
        numpy_helper.from_array(array, name)
        for name, array in {
            "a": weights["a"],
            "W_T": weights["W"].T.copy(),
            "C_T": weights["C"].T.copy(),
            "h": weights["h"],
            "B_T": weights["B"].T.copy(),
            "b": weights["b"],
            "linear_mask": linear,
            "relu_mask": 1.0 - linear,
            "one": np.array(1, dtype=np.int64),
            "zero": np.array(0, dtype=np.int64),
            "M_shape": np.array([M], dtype=np.int64),
        }.items()
    ]
    k = weights["B"].shape[0]
    out_shape = ["n", "T", k] if sequence else ["n", k]
    nodes = _drive_and_initial_state() + [_scan_node()] + _readout(sequence, proba)
    graph = helper.make_graph(
        nodes,
        f"{type(estimator).__name__}_M{M}_P{P}",
        [
            helper.make_tensor_value_info("X", TensorProto.FLOAT, ["n", "T", F]),
            helper.make_tensor_value_info("lengths", TensorProto.INT64, ["n"]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)])
    model.ir_version = 8  # readable by onnxruntime releases of the last years
    onnx.checker.check_model(model)
    return model


def _drive_and_initial_state() -> list:
    """Input drive X @ C^T + h (n, T, M); z_0 = 0 and last = 0 (n, M); steps; lengths - 1."""
    return [
        helper.make_node("MatMul", ["X", "C_T"], ["XC"]),
        helper.make_node("Add", ["XC", "h"], ["drive"]),
        helper.make_node("Shape", ["X"], ["X_shape"]),
        helper.make_node("Gather", ["X_shape", "zero"], ["n_scalar"], axis=0),
        helper.make_node("Gather", ["X_shape", "one"], ["T_scalar"], axis=0),
        helper.make_node("Unsqueeze", ["n_scalar", "zero"], ["n_vec"]),
        helper.make_node("Concat", ["n_vec", "M_shape"], ["state_shape"], axis=0),
        helper.make_node(
            "ConstantOfShape",
            ["state_shape"],
            ["z0"],
            value=helper.make_tensor("v", TensorProto.FLOAT, [1], [0.0]),
        ),
        helper.make_node("Range", ["zero", "T_scalar", "one"], ["steps"]),
        helper.make_node("Sub", ["lengths", "one"], ["last_step"]),
    ]


def _scan_node():
    """One Scan over time: z_t = a*z + phi_P(z) @ W^T + d_t; keep z at each last valid step."""
    body_nodes = [
        helper.make_node("Relu", ["z"], ["relu_z"]),
        helper.make_node("Mul", ["z", "linear_mask"], ["z_lin"]),
        helper.make_node("Mul", ["relu_z", "relu_mask"], ["z_relu"]),
        helper.make_node("Add", ["z_lin", "z_relu"], ["phi"]),
        helper.make_node("MatMul", ["phi", "W_T"], ["phi_W"]),
        helper.make_node("Mul", ["a", "z"], ["a_z"]),
        helper.make_node("Add", ["a_z", "phi_W"], ["recur"]),
        helper.make_node("Add", ["recur", "d_t"], ["z_next"]),
        helper.make_node("Equal", ["last_step", "t"], ["is_last"]),
        helper.make_node("Unsqueeze", ["is_last", "one"], ["is_last_col"]),
        helper.make_node("Where", ["is_last_col", "z_next", "last"], ["last_next"]),
        helper.make_node("Identity", ["z_next"], ["z_out"]),
    ]
    state = [["n", None], ["n", None]]
    body = helper.make_graph(
        body_nodes,
        "step",
        [
            helper.make_tensor_value_info("z", TensorProto.FLOAT, state[0]),
            helper.make_tensor_value_info("last", TensorProto.FLOAT, state[1]),
            helper.make_tensor_value_info("d_t", TensorProto.FLOAT, ["n", None]),
            helper.make_tensor_value_info("t", TensorProto.INT64, []),
        ],
        [
            helper.make_tensor_value_info("z_next", TensorProto.FLOAT, state[0]),
            helper.make_tensor_value_info("last_next", TensorProto.FLOAT, state[1]),
            helper.make_tensor_value_info("z_out", TensorProto.FLOAT, ["n", None]),
        ],
    )
    return helper.make_node(
        "Scan",
        ["z0", "z0", "drive", "steps"],
        ["z_final", "z_last", "Z_time_major"],
        num_scan_inputs=2,
        body=body,
        scan_input_axes=[1, 0],  # drive (n, T, M) along T; steps (T,) along 0
        scan_output_axes=[1],  # Z as (n, T, M)
    )


def _readout(sequence: bool, proba: bool) -> list:
    """Readout y = state @ B^T + b (then softmax for class probabilities)."""
    state = "Z_time_major" if sequence else "z_last"
    nodes = [
        helper.make_node("MatMul", [state, "B_T"], ["BZ"]),
        helper.make_node("Add", ["BZ", "b"], ["logits" if proba else "y"]),
    ]
    if proba:
        nodes.append(helper.make_node("Softmax", ["logits"], ["y"], axis=-1))
    return nodes
