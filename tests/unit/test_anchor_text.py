import json
import math
import zlib

import numpy as np
import pytest

from limelight.explainers.anchor_text import MASK, TextAnchorExplanation, explain_text_anchor
from limelight.text.tokens import words

pytestmark = pytest.mark.unit

TEXT = "We went there on a friday. The food was wonderful and the waiter was kind."


class CountingModel:
    """Positive iff "wonderful" is among the words; counts calls and rows."""

    def __init__(self) -> None:
        self.calls = 0
        self.rows = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.rows += len(texts)
        p = np.array([1.0 if "wonderful" in words(text) else 0.0 for text in texts])
        return np.column_stack([1.0 - p, p])


def test_the_deciding_word_is_the_anchor():
    model = CountingModel()
    explanation = explain_text_anchor(TEXT, model)
    assert explanation.label == 1
    assert explanation.rule == ("wonderful",)
    assert explanation.precision >= 0.95
    assert explanation.precision_low <= explanation.precision <= explanation.precision_high
    assert explanation.meets_threshold
    assert not explanation.is_empty
    assert math.isnan(explanation.coverage)
    assert explanation.examples_changed == ()
    assert all("wonderful" in example and MASK in example for example in explanation.examples_kept)
    # Batched: every call but the instance's carries many rows.
    assert explanation.model_calls == model.calls
    assert explanation.samples_used == model.rows - 1
    assert model.calls <= 60
    assert explanation.samples_used / (model.calls - 1) >= 50


def test_same_seed_same_anchor():
    a = explain_text_anchor(TEXT, CountingModel(), random_state=3)
    b = explain_text_anchor(TEXT, CountingModel(), random_state=3)
    assert a.to_dict() == b.to_dict()


def test_coverage_counts_corpus_texts_with_every_rule_word():
    corpus = ["A wonderful film.", "Wonderful!", "dull", "not wonderful at all", "nothing"]
    explanation = explain_text_anchor(TEXT, CountingModel(), corpus=corpus)
    assert explanation.coverage == pytest.approx(3 / 5)
    document = explanation.to_dict()
    assert json.loads(json.dumps(document)) == document
    assert document["rule"] == ["wonderful"]
    assert document["conditions"] == ['contains "wonderful"']


def test_a_prediction_no_word_changes_has_the_empty_anchor():
    explanation = explain_text_anchor("The film was long.", CountingModel())
    assert explanation.is_empty
    assert explanation.rule == ()
    assert explanation.label == 0
    assert explanation.meets_threshold


def _noisy(texts: list[str]) -> np.ndarray:
    """Positive iff "wonderful", except for one text in ten (by a hash): no rule reaches 99%."""
    p = np.array(
        [1.0 if ("wonderful" in words(text)) != (zlib.crc32(text.encode()) % 10 == 0) else 0.0 for text in texts]
    )
    return np.column_stack([1.0 - p, p])


def test_an_unreachable_threshold_is_reported_not_hidden():
    text = "The food was wonderful and the waiter was kind."
    assert _noisy([text])[0, 1] == 1.0
    explanation = explain_text_anchor(text, _noisy, threshold=0.99, max_anchor_size=2)
    assert not explanation.meets_threshold
    assert explanation.precision < 0.99
    assert "wonderful" in explanation.rule
    assert explanation.examples_changed


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="no words"):
        explain_text_anchor("...", CountingModel())
    with pytest.raises(ValueError, match="threshold"):
        explain_text_anchor(TEXT, CountingModel(), threshold=1.5)
    assert isinstance(explain_text_anchor("wonderful", CountingModel()), TextAnchorExplanation)


def _noisy_wonderful(texts: list[str]) -> np.ndarray:
    """Positive iff "wonderful" is kept, except 4% of texts (by a checksum): true precision 0.96."""
    p = np.array(
        [1.0 if "wonderful" in words(text) and zlib.crc32(text.encode()) % 100 >= 4 else 0.0 for text in texts]
    )
    return np.column_stack([1.0 - p, p])


def test_meets_threshold_needs_the_lower_bound_not_the_raw_share():
    # Threshold 0.955 against a true 0.96: the measured share can land above the
    # threshold while its 95% interval still reaches below it. Then: not "met".
    results = [explain_text_anchor(TEXT, _noisy_wonderful, threshold=0.955, random_state=seed) for seed in range(4)]
    for exp in results:
        assert exp.meets_threshold == (exp.precision_low >= exp.threshold)
        assert exp.support == 2000
    borderline = [e for e in results if e.precision >= e.threshold > e.precision_low]
    assert borderline, [(e.rule, e.precision, e.precision_low) for e in results]
    assert not any(e.meets_threshold for e in borderline)
