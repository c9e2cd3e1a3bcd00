import numpy as np
import pytest

from limelight.images.demos import DEMO_CLASSES, demo_images
from limelight.images.features import ImageFeatures, resize_batch
from limelight.images.training import (
    IMAGE_CLASSIFIERS,
    IMAGE_FEATURES,
    ImageTrainingError,
    build_image_pipeline,
    image_feature_rows,
    train_image_classifier,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def demo():
    return demo_images(seed=0)


@pytest.fixture(scope="module")
def network_rows(demo):
    """The pretrained network's features of the demo, once (about 5 s on one core), kept as a dataset keeps them."""
    return image_feature_rows(demo.images, ImageFeatures("network"))


@pytest.mark.parametrize("features", sorted(IMAGE_FEATURES))
@pytest.mark.parametrize("classifier", sorted(IMAGE_CLASSIFIERS))
def test_every_classifier_and_feature_trains_on_the_shape_demo(demo, network_rows, classifier, features):
    progress = []
    kept = (lambda compute: network_rows) if features == "network" else None
    result = train_image_classifier(
        list(demo.images),
        list(demo.labels),
        classifier=classifier,
        features=features,
        feature_cache=kept,
        on_progress=lambda done, total, stage: progress.append((done, total)),
    )

    assert result.class_names == DEMO_CLASSES
    metrics = result.metrics
    assert metrics["n_train"] + metrics["n_test"] == 120
    assert metrics["n_test"] == 30
    assert int(np.sum(metrics["confusion_matrix"])) == 30
    assert [row["class"] for row in metrics["per_class"]] == list(DEMO_CLASSES)
    assert [row["support"] for row in metrics["per_class"]] == [10, 10, 10]
    assert result.in_training.sum() == 90
    assert result.truths.tolist() == [DEMO_CLASSES.index(label) for label in demo.labels]
    assert result.predictions.shape == (120,)
    # Each image's features once (16 at a time, unless they were kept), then the four stages; the bar never goes back.
    looked = [] if kept else [(done, 124) for done in (16, 32, 48, 64, 80, 96, 112, 120)]
    offset = 0 if kept else 120
    assert progress == [(0, 4), *looked, *[(offset + stage, offset + 4) for stage in (1, 2, 3, 4)]]
    probabilities = result.pipeline.predict_proba(demo.images[:7])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)  # float32 features
    if features in ("hog", "network"):
        # The shape decides the class; edges see it, and so does the pretrained network. Chance is 1/3.
        # The INT8 network (issue 29) puts the SVM at 23 or 24 of the 30 held-out images depending on threads.
        assert metrics["accuracy"] >= (0.75 if features == "network" else 0.8)
    if kept:  # the kept rows are what the fitted pipeline's first step computes from the images
        np.testing.assert_allclose(result.pipeline[0].transform(demo.images[:3]), network_rows[:3], atol=1e-4)


def test_images_of_different_sizes_are_resized_inside_the_pipeline(demo):
    result = train_image_classifier(list(demo.images), list(demo.labels), features="hog", image_size=48)
    mixed = [demo.images[0], demo.images[1][:80, :60], np.ascontiguousarray(demo.images[2][::2, ::2])]
    probabilities = result.pipeline.predict_proba(mixed)
    assert probabilities.shape == (3, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    # A list of same-size images and the stacked 4-D array give the same answer.
    np.testing.assert_array_equal(
        result.pipeline.predict_proba(list(demo.images[:5])), result.pipeline.predict_proba(demo.images[:5])
    )


def test_same_seed_gives_the_same_model(demo):
    first = train_image_classifier(list(demo.images), list(demo.labels), classifier="random_forest", features="hog")
    second = train_image_classifier(list(demo.images), list(demo.labels), classifier="random_forest", features="hog")
    np.testing.assert_array_equal(first.in_training, second.in_training)
    np.testing.assert_array_equal(first.pipeline.predict_proba(demo.images), second.pipeline.predict_proba(demo.images))


def test_class_with_one_image_is_a_plain_error(demo):
    images = list(demo.images[:10]) + [demo.images[10]]
    labels = ["circles"] * 5 + ["squares"] * 5 + ["lonely"]
    with pytest.raises(ImageTrainingError, match='"lonely" has only 1 image'):
        train_image_classifier(images, labels)
    with pytest.raises(ImageTrainingError, match="at least two classes"):
        train_image_classifier(list(demo.images[:4]), ["a"] * 4)
    with pytest.raises(ImageTrainingError, match="no image classifier"):
        build_image_pipeline("knn")
    with pytest.raises(ImageTrainingError, match="no image features"):
        build_image_pipeline("svm", features="sift")


def test_features_have_fixed_length_whatever_the_image_size():
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, size=shape, dtype=np.uint8) for shape in [(30, 50, 3), (64, 64, 3), (200, 90, 3)]]
    assert ImageFeatures("raw", 32).fit(images).transform(images).shape == (3, 32 * 32 * 3)
    assert ImageFeatures("color_histogram", 32).fit(images).transform(images).shape == (3, 48)
    hist = ImageFeatures("color_histogram", 32).transform(images)
    np.testing.assert_allclose(hist.reshape(3, 3, 16).sum(axis=2), 1.0, rtol=1e-6)
    hog = ImageFeatures("hog", 64).fit(images).transform(images)
    assert hog.shape[0] == 3 and np.isfinite(hog).all()
    assert resize_batch(images, 16).shape == (3, 16, 16, 3)
    grey = rng.integers(0, 256, size=(20, 20), dtype=np.uint8)
    assert resize_batch([grey], 8).shape == (1, 8, 8, 3)
