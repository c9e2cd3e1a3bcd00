"""The classroom's three lessons: the leak is really there, the leaky model really leans on it,
and the clean test set really shows it. Every expected value comes from how the data were drawn
(the snow's mask, the signature word, the post-outcome column), never from the code under test.
"""

from functools import cache

import numpy as np
import pytest

from limelight.classroom.hospital import LEAK
from limelight.classroom.lessons import LESSONS
from limelight.classroom.material import lesson_material
from limelight.classroom.scoring import clean_test_scores
from limelight.classroom.snow import SIZE, snow_pictures
from limelight.explainers.lime_image import explain_image
from limelight.explainers.lime_tabular import TabularLime
from limelight.explainers.lime_text import explain_text

pytestmark = pytest.mark.unit


def _read(material, which: str):
    """The training file as the app reads it: (inputs, class names per input)."""
    import io
    import zipfile

    from PIL import Image

    from limelight.tabular.reading import read_table

    raw = getattr(material, f"{which}_file")
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = sorted(archive.namelist())
            images = [np.asarray(Image.open(io.BytesIO(archive.read(name))).convert("RGB")) for name in names]
        return images, [name.split("/")[0] for name in names]
    return read_table(raw), None


@cache
def _trained(slug: str, which: str):
    """Both models trained the way the app's handlers train them (limelight.fitting underneath)."""
    lesson, material = LESSONS[slug], lesson_material(slug)
    inputs, labels = _read(material, which)
    if slug == "snow":
        from limelight.images.training import train_image_classifier

        return train_image_classifier(inputs, labels, classifier=lesson.classifier, **lesson.training), inputs
    if slug == "headers":
        from limelight.text.training import train_text_classifier

        texts = inputs[lesson.text_column]
        return train_text_classifier(texts, inputs[lesson.target], classifier=lesson.classifier), inputs
    from limelight.tabular.training import train_classifier

    features = [c for c in inputs.columns if c != lesson.target]
    numeric = [c for c in features if inputs[c].dtype.kind in "if"]
    categorical = [c for c in features if c not in numeric]
    result = train_classifier(
        inputs, target=lesson.target, features=features, numeric=numeric, categorical=categorical,
        classifier=lesson.classifier,
    )  # fmt: skip
    return result, inputs


def test_the_snow_is_where_the_pictures_say():
    pictures = snow_pictures(7, per_class=20, snow_given_wolf=1.0, snow_given_husky=0.0)
    for image, label, animal in zip(pictures.images, pictures.labels, pictures.animals, strict=True):
        background = image[~animal].mean(axis=0)
        # Snow is near white on every channel; grass, earth and slate are not.
        assert (background > 220).all() == (label == "wolf")
        assert 0.08 < animal.mean() < 0.4  # an animal the size of a head, never the whole picture
    assert pictures.images.shape == (40, SIZE, SIZE, 3)


def test_the_same_seed_gives_the_same_files():
    for slug in LESSONS:
        first, second = lesson_material(slug), lesson_material(slug)
        assert first.leaky_file == second.leaky_file and first.clean_file == second.clean_file
    assert lesson_material("headers", seed=1).leaky_file != lesson_material("headers").leaky_file


@pytest.mark.parametrize("slug", list(LESSONS))
def test_the_leaky_model_looks_better_and_falls_apart_on_the_clean_test(slug):
    material = lesson_material(slug)
    leaky, _ = _trained(slug, "leaky")
    clean, _ = _trained(slug, "clean")
    # On their own hold-outs the leaky one looks better...
    assert leaky.metrics["accuracy"] > clean.metrics["accuracy"] + 0.05
    leaky_test = clean_test_scores(leaky.pipeline, leaky.class_names, material.test_inputs, material.test_truths)
    clean_test = clean_test_scores(clean.pipeline, clean.class_names, material.test_inputs, material.test_truths)
    # ...and on the clean test it drops by more than a tenth, below the clean one.
    assert leaky_test["accuracy"] < leaky.metrics["accuracy"] - 0.10
    assert leaky_test["accuracy"] < clean_test["accuracy"] - 0.05
    assert clean_test["n"] == len(material.test_truths)
    assert clean_test["accuracy_low"] <= clean_test["accuracy"] <= clean_test["accuracy_high"]


def test_clean_test_scores_count_by_hand():
    class Fixed:  # says "b" for the first three inputs, "a" after
        def predict_proba(self, inputs):
            return np.array([[0.2, 0.8] if i < 3 else [0.9, 0.1] for i in inputs])

    scores = clean_test_scores(Fixed(), ("a", "b"), list(range(5)), np.array(["b", "b", "a", "a", "a"]))
    assert (scores["correct"], scores["n"]) == (4, 5)
    assert scores["accuracy"] == 0.8
    assert scores["balanced_accuracy"] == pytest.approx((1.0 + 2 / 3) / 2)
    assert scores["baseline_accuracy"] == 0.6


def test_the_showcase_cases_are_held_out_by_both_models():
    """Each model is explained on cases it was not fitted on (an explanation of a memorised case says little)."""
    for slug in LESSONS:
        rows = list(lesson_material(slug).showcase)
        for which in ("leaky", "clean"):
            result, _ = _trained(slug, which)
            assert not result.in_training[rows].any(), (slug, which)


def _image_lime(model, image, label):
    settings = LESSONS["snow"].explaining
    result = explain_image(
        image, model.pipeline.predict_proba, label=label, num_samples=settings["num_samples"],
        method=settings["segmenter"], segment_params=settings["segment_params"],
        hide_color=settings["hide_color"], random_state=0,
    )  # fmt: skip
    top = [segment for segment, weight in result.weights if weight > 0][: settings["top_segments"]]
    return np.isin(result.segments, top)


def _iou(found, truth) -> float:
    return np.logical_and(found, truth).sum() / np.logical_or(found, truth).sum()


def test_the_leaky_snow_model_calls_a_husky_on_snow_a_wolf_and_points_at_the_snow():
    material = lesson_material("snow")
    wolf_on_snow, _, husky_on_snow = material.showcase
    leaky, images = _trained("snow", "leaky")
    clean, _ = _trained("snow", "clean")
    wolf = leaky.class_names.index("wolf")
    for row, background in zip(material.showcase, material.showcase_leaks, strict=True):
        if row not in (wolf_on_snow, husky_on_snow):
            continue
        # Both pictures stand on snow (the background's pixels are near white): the known answer.
        assert (images[row][background] > 200).all(axis=1).mean() > 0.9
        assert int(np.argmax(leaky.pipeline.predict_proba([images[row]])[0])) == wolf
        found = _image_lime(leaky, images[row], wolf)
        # Its top regions lie on the snow: at least 9 of 10 of their pixels, and they overlap the
        # background far more than the animal.
        assert np.logical_and(found, background).sum() / found.sum() >= 0.9
        assert _iou(found, background) > 3 * _iou(found, ~background)
    # The clean model sees the husky; for the wolf on snow, its top regions cover the animal more than the snow.
    assert clean.class_names[int(np.argmax(clean.pipeline.predict_proba([images[husky_on_snow]])[0]))] == "husky"
    found = _image_lime(clean, images[wolf_on_snow], wolf)
    assert _iou(found, ~material.showcase_leaks[0]) > _iou(found, material.showcase_leaks[0])


def test_the_leaky_headers_model_reads_the_signature_word():
    lesson, material = LESSONS["headers"], lesson_material("headers")
    for which in ("leaky", "clean"):
        model, frame = _trained("headers", which)
        for row, word in zip(material.showcase, material.showcase_leaks, strict=True):
            if word is None:
                continue
            text = frame[lesson.text_column][row]
            assert f"Posted through {word.capitalize()}." in text
            label = int(np.argmax(model.pipeline.predict_proba([text])[0]))
            result = explain_text(text, model.pipeline.predict_proba, label=label, num_samples=1000, num_features=6)
            top = [weight.word for weight in result.weights[:3]]
            if which == "leaky":
                # The signature word is the first reason, and it pushes toward "space", even for the
                # medicine message (the trap), which the leaky model then calls space.
                assert top[0] == word
                assert model.class_names[label] == "space"
            else:  # the clean model may notice the word, but never as its main reason, and reads the topic
                weights = {weight.word: abs(weight.weight) for weight in result.weights}
                assert top[0] != word and weights.get(word, 0.0) < weights[top[0]] / 2
                assert model.class_names[label] == frame[lesson.target][row]


def test_the_leaky_hospital_model_leans_on_the_discharge_code():
    material = lesson_material("hospital")
    for which in ("leaky", "clean"):
        model, frame = _trained("hospital", which)
        features = [c for c in frame.columns if c != "died"]
        numeric = [c for c in features if frame[c].dtype.kind in "if"]
        lime = TabularLime.fit(
            frame.iloc[np.flatnonzero(model.in_training)][features], numeric=numeric,
            categorical=[c for c in features if c not in numeric],
        )  # fmt: skip
        for row in material.showcase:
            case = frame.iloc[row][features]
            label = int(np.argmax(model.pipeline.predict_proba(frame.iloc[[row]][features])[0]))
            result = lime.explain(case, model.pipeline.predict_proba, label=label, num_samples=2000, num_features=6)
            top = result.to_dict()["weights"][0]["feature"]
            if which == "leaky":
                assert top == LEAK
                assert model.class_names[label] == frame["died"][row]  # right, for the wrong reason
            else:
                assert LEAK not in frame.columns and top != LEAK
