import io
import json
import math

import numpy as np
import pytest
from PIL import Image

from limelight.explainers.lime_image import (
    HIDE_COLORS,
    SEGMENTERS,
    ImageLimeExplanation,
    explain_image,
    fill_image,
    overlay_png,
    perturb_batch,
    segment,
    segments_png,
    top_segments,
)

pytestmark = pytest.mark.unit

SIZE = 64


def _shape_image(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A noisy background with a red square made of three bands of red (so it splits into superpixels)."""
    rng = np.random.default_rng(seed)
    image = rng.normal(rng.integers(80, 170, size=3), 10, size=(SIZE, SIZE, 3))
    mask = np.zeros((SIZE, SIZE), dtype=bool)
    extent = int(rng.integers(22, 30))
    top, left = (int(v) for v in rng.integers(4, SIZE - extent - 4, size=2))
    mask[top : top + extent, left : left + extent] = True
    band = extent // 3
    for i, red in enumerate((255, 200, 160)):
        rows = slice(top + i * band, top + extent if i == 2 else top + (i + 1) * band)
        image[rows, left : left + extent] = (red, 20, 30)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), mask


def _looks_at(mask: np.ndarray):
    """A model that provably looks at the shape: p(class 1) = share of red pixels inside the mask."""

    def predict_proba(images: np.ndarray) -> np.ndarray:
        images = images.astype(np.int16)
        red = (images[..., 0] > 140) & (images[..., 1] < 90) & (images[..., 2] < 90)
        share = red[:, mask].mean(axis=1)
        return np.column_stack([1.0 - share, share])

    return predict_proba


def _share_inside(explanation: ImageLimeExplanation, mask: np.ndarray, top: int = 3) -> float:
    """Share of the top superpixels' area inside the mask.

    The top superpixels are the (at most) ``top`` largest positive weights that carry at least a
    tenth of the strongest one: a superpixel the model ignores gets a weight of ~1e-4 from the
    ridge, and counting it would measure the segmenter, not the explanation.
    """
    strongest = explanation.weights[0][1]
    chosen_ids = [
        s for s in top_segments(explanation, top, positive_only=True) if dict(explanation.weights)[s] >= 0.1 * strongest
    ]
    chosen = np.isin(explanation.segments, chosen_ids)
    return float((chosen & mask).sum() / max(chosen.sum(), 1))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize(("method", "params"), [("quickshift", {"max_dist": 20}), ("felzenszwalb", {})])
def test_top_superpixels_lie_on_the_shape_that_decides_the_class(seed, method, params):
    image, mask = _shape_image(seed)
    explanation = explain_image(
        image,
        _looks_at(mask),
        label=1,
        method=method,
        segment_params=params,
        hide_color="grey",
        num_samples=400,
        random_state=seed,
    )
    assert _share_inside(explanation, mask) >= 0.5
    best = explanation.weights[0][0]
    assert (explanation.segments == best)[mask].sum() > 0.5 * (explanation.segments == best).sum()
    assert explanation.weights[0][1] > 0


# lime's three segmenters (lime.wrappers.scikit_image.SegmentationAlgorithm), written out: a
# loop over SEGMENTERS alone would not notice one going missing.
LIME_SEGMENTERS = ("quickshift", "slic", "felzenszwalb")


def test_the_three_segmenters_lime_offers_are_all_here():
    assert set(SEGMENTERS) == set(LIME_SEGMENTERS)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("method", LIME_SEGMENTERS)
def test_weights_follow_each_superpixels_share_of_the_shape(seed, method):
    # With a grey fill the model is exactly linear in z: p = sum_j z_j * |segment j on the shape| / |shape|.
    # SLIC cuts across the shape's edge, so its "top area inside" is low, yet the weights are right.
    image, mask = _shape_image(seed)
    explanation = explain_image(
        image, _looks_at(mask), label=1, method=method, hide_color="grey", num_samples=400, random_state=seed
    )
    k = int(explanation.segments.max()) + 1
    expected = np.bincount(explanation.segments[mask], minlength=k) / mask.sum()
    got = np.zeros(k)
    for s, w in explanation.weights:
        got[s] = w
    np.testing.assert_allclose(got, expected, atol=0.05 * expected.max())


def test_mean_fill_cannot_see_a_solid_shape_and_says_so():
    # Garreau & Mardaoui: a uniform superpixel equals its own mean, so hiding it changes nothing.
    image, mask = _shape_image(0)
    segments = segment(image, method="slic", n_segments=60)
    on_shape = {int(s) for s in np.unique(segments[mask]) if (segments == s)[mask].sum() == (segments == s).sum()}
    assert on_shape
    mean = explain_image(image, _looks_at(mask), label=1, segments=segments, hide_color="mean", num_samples=300)
    grey = explain_image(image, _looks_at(mask), label=1, segments=segments, hide_color="grey", num_samples=300)
    assert on_shape <= set(mean.unchanged_segments)
    assert not on_shape & set(grey.unchanged_segments)
    weights = dict(mean.weights)
    assert max(abs(weights[s]) for s in on_shape) < 1e-3
    assert _share_inside(grey, mask) >= 0.5


# The fill rules as the documentation states them, written out here so that no expected value
# comes from ``fill_image``, the function under test.
GREY = 128  # the documented grey


def _gaussian_blur_by_hand(image: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian blur of width ``sigma`` per colour channel, edges repeated outwards (float)."""
    radius = int(4 * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel /= kernel.sum()
    padded = np.pad(image.astype(np.float64), ((radius, radius), (radius, radius), (0, 0)), mode="edge")
    height, width = image.shape[:2]
    rows = sum(k * padded[radius + o : radius + o + height] for o, k in zip(offsets, kernel, strict=True))
    return sum(k * rows[:, radius + o : radius + o + width] for o, k in zip(offsets, kernel, strict=True))


def _fill_by_hand(image: np.ndarray, segments: np.ndarray, hide: str) -> np.ndarray:
    """What the page promises each hide colour puts where a region is hidden (float, before rounding)."""
    if hide == "black":
        return np.zeros(image.shape)
    if hide == "grey":
        return np.full(image.shape, float(GREY))
    if hide == "mean":  # each region's own average colour
        fill = np.empty(image.shape)
        for s in np.unique(segments):
            fill[segments == s] = image[segments == s].mean(axis=0)
        return fill
    if hide == "blur":  # a Gaussian blur of width max(height, width) / 16
        return _gaussian_blur_by_hand(image, max(image.shape[:2]) / 16)
    raise AssertionError(f"no hand rule for {hide!r}: add one")


def test_linear_model_matches_the_closed_form():
    # For f(x) = b + sum(coef * x), LIME's weight of superpixel j is sum over its pixels of
    # coef * (pixel - replacement) (Garreau & Mardaoui 2021), up to the ridge's small shrinkage.
    # The replacement comes from the stated rule (``_fill_by_hand``), not from the code.
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, size=(24, 20, 3), dtype=np.uint8)
    segments = np.arange(12).repeat(40).reshape(24, 20)  # 12 bands of 2 rows
    coef = rng.normal(0, 1e-4, size=image.shape)
    answers: list[np.ndarray] = []

    def predict_proba(images):
        f = 0.5 + (images.astype(np.float64) * coef).sum(axis=(1, 2, 3))
        answers.append(f)
        return np.column_stack([1 - f, f])

    for hide in HIDE_COLORS:
        contribution = (coef * (image.astype(np.float64) - _fill_by_hand(image, segments, hide))).sum(axis=2)
        closed = np.bincount(segments.ravel(), weights=contribution.ravel())
        assert np.abs(closed).max() > 0.01, f"{hide}: the test image must change when its regions are hidden"
        answers.clear()
        explanation = explain_image(image, predict_proba, label=1, segments=segments, hide_color=hide, num_samples=2000)
        got = np.zeros_like(closed)
        for s, w in explanation.weights:
            got[s] = w
        np.testing.assert_allclose(got, closed, atol=0.03 * np.abs(closed).max())
        # A constant answer is fitted "perfectly" (R² = 1) by any flat surrogate: the score only
        # means something when hiding regions moved the model's answer.
        assert np.ptp(np.concatenate(answers)) > 0.05, hide
        assert explanation.score > 0.99


# A known answer for every fill. A flat grey picture (value 60) with a 16 x 16 block, region 1;
# the block's left half is bright (250), its right half dim (90); region 0 is the rest. The
# "model" answers the mean brightness of the block's left half, divided by 255: 250 / 255 when
# region 1 is shown. Hiding region 1 replaces the left half by
#   black: 0;   grey: 128;   mean: the block's average colour, (250 + 90) / 2 = 170;
#   blur:  a Gaussian of width sigma = 64 / 16 = 4 px spreads each flat rectangle of value v
#          over the picture: pixel (i, j) gets 60 + sum over rectangles of (v - 60) * Pr * Pc,
#          Pr = Phi((last row + 1/2 - i) / sigma) - Phi((first row - 1/2 - i) / sigma), likewise
#          Pc for the columns (the rectangle's share of a normal curve centred on the pixel).
# The model is linear in "region 1 shown", so LIME's weight of region 1 is the drop,
# (250 - hidden value) / 255, and region 0 (which the model never looks at) weighs nothing.
_BLOCK = (slice(24, 40), slice(24, 40))
_LEFT = (slice(24, 40), slice(24, 32))


def _block_picture() -> tuple[np.ndarray, np.ndarray]:
    image = np.full((64, 64, 3), 60, dtype=np.uint8)
    image[24:40, 24:32] = 250
    image[24:40, 32:40] = 90
    segments = np.zeros((64, 64), dtype=np.int64)
    segments[_BLOCK] = 1
    return image, segments


def _left_half_brightness(images: np.ndarray) -> np.ndarray:
    p = images[(slice(None), *_LEFT)].astype(np.float64).mean(axis=(1, 2, 3)) / 255
    return np.column_stack([1 - p, p])


def _blurred_left_half() -> float:
    sigma = 64 / 16

    def share(x: int, first: int, last: int) -> float:
        def phi(t: float) -> float:  # the normal curve's cumulative share
            return 0.5 * (1 + math.erf(t / sigma / math.sqrt(2)))

        return phi(last + 0.5 - x) - phi(first - 0.5 - x)

    values = [
        60 + (250 - 60) * share(i, 24, 39) * share(j, 24, 31) + (90 - 60) * share(i, 24, 39) * share(j, 32, 39)
        for i in range(24, 40)
        for j in range(24, 32)
    ]
    return sum(values) / len(values)  # about 157.5: the bright half loses 92 of its 250


HIDDEN_LEFT_HALF = {"black": 0.0, "grey": 128.0, "mean": 170.0, "blur": _blurred_left_half()}


def test_every_hide_colour_has_a_known_answer():
    assert set(HIDDEN_LEFT_HALF) == set(HIDE_COLORS)


@pytest.mark.parametrize("hide", sorted(HIDDEN_LEFT_HALF))
def test_hiding_the_bright_block_drops_the_answer_by_the_known_amount(hide):
    image, segments = _block_picture()
    hidden = HIDDEN_LEFT_HALF[hide]
    # The fill itself, on the pixels the model reads (the blur within rounding to whole 0-255 values).
    assert fill_image(image, segments, hide)[_LEFT].astype(np.float64).mean() == pytest.approx(
        hidden, abs=1.0 if hide == "blur" else 0.0
    )
    # And what LIME makes of it: the drop, shrunk by about 1% by the ridge (alpha = 1).
    drop = (250 - hidden) / 255
    assert drop > 0.3
    explanation = explain_image(
        image, _left_half_brightness, label=1, segments=segments, hide_color=hide, num_samples=2000
    )
    weights = dict(explanation.weights)
    assert weights[1] == pytest.approx(drop, rel=0.02)
    assert abs(weights[0]) < 0.02 * drop
    # The surrogate with everything shown is the model's answer on the picture.
    assert explanation.intercept + weights[0] + weights[1] == pytest.approx(250 / 255, abs=0.01)


def test_vectorised_perturbation_equals_a_naive_loop():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    segments = rng.integers(0, 6, size=(5, 7))
    segments[0, :6] = np.arange(6)  # every label present
    masks = rng.integers(0, 2, size=(9, 6)).astype(np.uint8)
    for hide in HIDE_COLORS:
        fill = fill_image(image, segments, hide)
        expected = []
        for row in masks:
            temp = image.copy()
            for z in np.flatnonzero(row == 0):
                temp[segments == z] = fill[segments == z]
            expected.append(temp)
        got = perturb_batch(image, fill, segments, masks)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, np.stack(expected))


def test_mean_fill_is_each_superpixels_rounded_mean():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, size=(6, 6, 3), dtype=np.uint8)
    segments = np.repeat(np.arange(3), 12).reshape(6, 6)
    fill = fill_image(image, segments, "mean")
    for s in range(3):
        expected = np.rint(image[segments == s].mean(axis=0)).astype(np.uint8)
        assert (fill[segments == s] == expected).all()


def _grid(cells: int) -> np.ndarray:
    """A label map of ``cells`` x ``cells`` square regions over the SIZE x SIZE image."""
    rows = np.arange(SIZE) * cells // SIZE
    return rows[:, None] * cells + rows[None, :]


def test_same_seed_same_weights_and_batches_are_bounded():
    image, mask = _shape_image(1)
    sizes, progress = [], []
    model = _looks_at(mask)

    def counting(images):
        sizes.append(len(images))
        assert images.dtype == np.uint8 and images.shape[1:] == image.shape
        return model(images)

    # 64 regions: 2^64 hidden sets, so no two of 250 random ones repeat and every sample is shown.
    settings = {"label": 1, "num_samples": 250, "hide_color": "grey", "segments": _grid(8)}
    first = explain_image(
        image,
        counting,
        batch_size=100,
        random_state=7,
        on_progress=lambda d, t: progress.append((d, t)),
        **settings,
    )
    second = explain_image(image, model, batch_size=50, random_state=7, **settings)
    other = explain_image(image, model, random_state=8, **settings)
    assert sizes == [100, 100, 50]
    assert progress == [(100, 250), (200, 250), (250, 250)]
    assert first.weights == second.weights
    assert first.intercept == second.intercept
    assert first.weights != other.weights
    assert [abs(w) for _, w in first.weights] == sorted((abs(w) for _, w in first.weights), reverse=True)
    assert (first.num_samples, first.planned_samples, first.model_images) == (250, 250, 250)


def test_a_repeated_hidden_set_is_shown_to_the_model_once():
    """Four regions have 2^4 = 16 hidden sets: 300 samples hold every one many times (the chance
    that one of them is missing is below 16 * (15/16)^300, 1e-7), and the model sees each once."""
    image, mask = _shape_image(2)
    model, shown = _looks_at(mask), []

    def counting(images):
        shown.extend(images)
        return model(images)

    settings = {"label": 1, "num_samples": 300, "hide_color": "grey", "segments": _grid(2), "random_state": 3}
    reusing = explain_image(image, counting, batch_size=40, **settings)
    assert len(shown) == 16 == reusing.model_images
    assert len({picture.tobytes() for picture in shown}) == 16
    assert reusing.num_samples == 300  # the surrogate still weighs every sample
    # The same weights whatever the batch size (the reuse spans batches as well as within one).
    assert reusing.weights == explain_image(image, model, batch_size=1, **settings).weights


def test_segmenters_give_labels_from_zero():
    image, _ = _shape_image(0)
    for method in LIME_SEGMENTERS:
        labels = segment(image, method=method)
        assert labels.shape == image.shape[:2]
        assert labels.min() == 0
        assert set(np.unique(labels)) == set(range(labels.max() + 1))
        np.testing.assert_array_equal(labels, segment(image, method=method))
    with pytest.raises(ValueError, match="no setting"):
        segment(image, method="slic", kernel_size=3)


def test_overlay_and_segments_png_are_at_the_image_size():
    image, mask = _shape_image(0)
    image = image[:, :50]
    explanation = explain_image(
        image, _looks_at(mask[:, :50]), label=1, method="slic", hide_color="grey", num_samples=100
    )
    for positive_only in (False, True):
        png = overlay_png(image, explanation, top=3, positive_only=positive_only)
        with Image.open(io.BytesIO(png)) as im:
            assert im.format == "PNG" and im.size == (50, SIZE) and im.mode == "RGB"
    with Image.open(io.BytesIO(segments_png(explanation.segments))) as im:
        assert im.size == (50, SIZE)
        np.testing.assert_array_equal(np.asarray(im), explanation.segments)
    document = explanation.to_dict()
    json.dumps(document)
    assert document["segments"] == int(explanation.segments.max()) + 1
    assert document["num_samples"] == 100
    assert document["weights"][0] == {
        "segment": explanation.weights[0][0],
        "weight": explanation.weights[0][1],
    }
    assert set(document) >= {"label", "segments", "weights", "intercept", "score", "num_samples"}


def test_on_the_shape_demo_a_trained_model_is_explained_by_its_shape():
    from limelight.images.demos import demo_images
    from limelight.images.training import train_image_classifier

    demo = demo_images(seed=0)
    model = train_image_classifier(list(demo.images), list(demo.labels), features="hog")
    shares = {"grey": [], "mean": []}
    for index in range(6):
        label = model.class_names.index(demo.labels[index])
        for hide in shares:
            explanation = explain_image(
                demo.images[index],
                model.pipeline.predict_proba,
                label=label,
                method="slic",
                hide_color=hide,
                num_samples=500,
            )
            chosen = np.isin(explanation.segments, top_segments(explanation, 3, positive_only=True))
            shares[hide].append((chosen & demo.masks[index]).sum() / max(chosen.sum(), 1))
    # A fixed grey finds the shape; lime's per-superpixel mean barely can (the shape is solid).
    assert np.mean(shares["grey"]) >= 0.6
    assert np.mean(shares["mean"]) < np.mean(shares["grey"]) - 0.3


def test_stopping_when_stable_gives_what_that_many_samples_give():
    """The masks are drawn first, so a run that stops after n samples is the plain run of n samples.
    A model that looks only at the shape settles its top regions long before 3,000 samples."""
    image, mask = _shape_image(0)
    settings = {"label": 1, "hide_color": "grey", "segments": _grid(8), "random_state": 5}
    progress = []
    stopped = explain_image(
        image, _looks_at(mask), num_samples=3000, stop_when_stable=True, on_progress=lambda d, t: progress.append(d),
        **settings,
    )  # fmt: skip
    assert stopped.planned_samples == 3000 and stopped.num_samples < 3000 and stopped.stopped_early
    assert progress[-1] == stopped.num_samples  # the model was asked no further
    plain = explain_image(image, _looks_at(mask), num_samples=stopped.num_samples, **settings)
    assert stopped.weights == plain.weights and not plain.stopped_early
    assert stopped.to_dict()["planned_samples"] == 3000 and stopped.to_dict()["stopped_early"] is True


def test_with_every_speed_up_on_the_shapes_demo_is_explained_by_its_shape():
    """The INT8 network, early stopping and reused hidden sets, on the demo row whose known answer
    the web and browser tests check (tests/conftest.py): the top 5 regions toward the class cover
    the true circle with IoU >= 0.5, as the float32 network's every-sample run does."""
    from limelight.explainers.lime_image import top_region_iou
    from limelight.images.demos import demo_images
    from limelight.images.training import train_image_classifier
    from tests.conftest import SHAPES_IOU_FLOOR, SHAPES_IOU_ROW

    demo = demo_images()
    model = train_image_classifier(list(demo.images), list(demo.labels), classifier="logistic_regression")
    image, truth = demo.images[SHAPES_IOU_ROW], demo.masks[SHAPES_IOU_ROW]
    label = model.class_names.index(demo.labels[SHAPES_IOU_ROW])
    explanation = explain_image(
        image, model.pipeline.predict_proba, label=label, method="slic", hide_color="grey", num_samples=1000,
        stop_when_stable=True,
    )  # fmt: skip
    assert top_region_iou(explanation, truth, top=5) >= SHAPES_IOU_FLOOR


def test_an_answer_that_never_settles_uses_every_planned_sample():
    """A model that answers at random has no top regions to settle on: over 64 regions the main
    reasons of two partial fits are the same set by chance almost never, so no check may stop it."""
    image, _ = _shape_image(0)
    rng = np.random.default_rng(0)

    def noise(images):
        p = rng.random(len(images))
        return np.column_stack([1 - p, p])

    explanation = explain_image(
        image, noise, label=1, hide_color="grey", segments=_grid(8), num_samples=1000, stop_when_stable=True
    )
    assert (explanation.num_samples, explanation.stopped_early) == (1000, False)
