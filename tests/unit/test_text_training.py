import numpy as np
import pandas as pd
import pytest

from limelight.tabular.reading import TableError
from limelight.text.demos import NEGATED, NEGATIVE_WORDS, POSITIVE_WORDS, text_demo_csv_bytes, text_demo_frame
from limelight.text.tokens import WordMasker, tokenize, words
from limelight.text.training import TEXT_CLASSIFIERS, build_text_pipeline, train_text_classifier

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def demo():
    return text_demo_frame()


def _rule(review: str) -> str:
    """The demo's documented rule, re-implemented from the words alone."""
    tokens = words(review)
    score = 0
    for i, word in enumerate(tokens):
        sign = 1 if word in POSITIVE_WORDS else -1 if word in NEGATIVE_WORDS else 0
        if sign and i > 0 and tokens[i - 1] == "not":
            sign = -sign
        score += sign
    assert score != 0
    return "positive" if score > 0 else "negative"


def test_demo_is_deterministic_and_follows_its_rule(demo):
    assert demo.equals(text_demo_frame())
    assert len(demo) == 600
    assert list(demo.columns) == ["review", "sentiment"]
    assert [_rule(review) for review in demo["review"]] == demo["sentiment"].tolist()
    counts = demo["review"].map(lambda text: len(words(text)))
    assert counts.min() >= 15
    assert counts.max() <= 60
    assert set(demo["sentiment"]) == {"positive", "negative"}
    assert demo["review"].str.contains(NEGATED[True]).any()
    assert demo["review"].str.contains(NEGATED[False]).any()
    assert text_demo_csv_bytes().startswith(b"review,sentiment\n")


def test_tokenize_covers_the_whole_text_including_markup():
    text = "Great <script>alert(1)</script> <img src=x onerror=alert(1)> don't  l’homme!"
    tokens = tokenize(text)
    assert "".join(t.text for t in tokens) == text
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert [t.text for t in tokens if t.is_word] == [
        "Great", "script", "alert", "1", "script", "img", "src", "x", "onerror", "alert", "1",
        "don't", "l’homme",
    ]  # fmt: skip
    assert words("Not GREAT") == ["not", "great"]
    assert tokenize("") == []


def test_word_masker_removes_or_replaces_every_occurrence():
    masker = WordMasker("Great food, great price.")
    assert masker.words == ("great", "food", "price")
    assert masker.build(np.array([[True, True, True], [False, True, True]])) == [
        "Great food, great price.",
        " food,  price.",
    ]
    unk = WordMasker("Great food, great price.", replacement="UNK")
    assert unk.build(np.array([[False, True, False]])) == ["UNK food, UNK UNK."]


@pytest.mark.parametrize("classifier", list(TEXT_CLASSIFIERS))
def test_each_classifier_learns_the_demo(demo, classifier):
    result = train_text_classifier(demo["review"], demo["sentiment"], classifier=classifier)
    assert result.class_names == ("negative", "positive")
    assert result.metrics["accuracy"] > 0.85
    assert set(result.metrics) == {
        "accuracy", "balanced_accuracy", "macro_f1", "confusion_matrix", "per_class", "n_train", "n_test",
        "baseline_accuracy", "baseline_class",
    }  # fmt: skip
    assert result.metrics["n_train"] + result.metrics["n_test"] == 600
    assert int(result.in_training.sum()) == result.metrics["n_train"]
    proba = result.pipeline.predict_proba(["The film was wonderful.", "", "The food was terrible."])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert result.predictions.shape == (600,)


def test_training_is_deterministic(demo):
    a = train_text_classifier(demo["review"], demo["sentiment"], random_state=3)
    b = train_text_classifier(demo["review"], demo["sentiment"], random_state=3)
    assert a.metrics == b.metrics
    np.testing.assert_array_equal(a.predictions, b.predictions)


def test_missing_texts_and_labels_are_handled(demo):
    texts = demo["review"].astype(object).copy()
    texts.iloc[:5] = np.nan
    labels = demo["sentiment"].astype(object).copy()
    labels.iloc[5:10] = None
    result = train_text_classifier(texts, labels, char_ngrams=True)
    assert result.truths[5:10].tolist() == [-1] * 5
    assert not result.in_training[5:10].any()
    assert result.predictions.shape == (600,)
    proba = result.pipeline.predict_proba([np.nan, None, "wonderful"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    pipeline = build_text_pipeline("naive_bayes", char_ngrams=True)
    pipeline.fit(pd.Series(["good", np.nan, "bad", "fine"]), [1, 0, 0, 1])
    assert pipeline.predict_proba(np.array(["good", np.nan], dtype=object)).shape == (2, 2)


def test_errors_are_plain_table_errors(demo):
    texts = demo["review"].tolist()
    with pytest.raises(TableError, match="only one value"):
        train_text_classifier(texts, ["positive"] * 600)
    one_row = ["positive"] * 599 + ["neutral"]
    with pytest.raises(TableError, match="only one row"):
        train_text_classifier(texts, one_row)
    with pytest.raises(TableError, match="empty in every row"):
        train_text_classifier([np.nan, "  "] * 10, ["a", "b"] * 10)
    with pytest.raises(TableError, match="no words"):
        train_text_classifier(["!!", "?"] * 10, ["a", "b"] * 10)
    with pytest.raises(TableError, match="no text classifier"):
        train_text_classifier(texts, demo["sentiment"], classifier="knn")
