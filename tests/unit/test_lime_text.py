import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from limelight.explainers.lime_text import TextLimeExplanation, WordWeight, explain_text
from limelight.text.demos import text_demo_frame
from limelight.text.tokens import words
from limelight.text.training import train_text_classifier

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]
NEGATIVE, POSITIVE = 0, 1
_DECIDING = {"wonderful", "delightful", "great", "excellent", "superb", "charming"} | {
    "terrible", "awful", "boring", "dreadful", "bland", "disappointing", "not",
}  # fmt: skip


@pytest.fixture(scope="module")
def demo():
    return text_demo_frame()


@pytest.fixture(scope="module")
def demo_model(demo):
    result = train_text_classifier(demo["review"], demo["sentiment"])
    assert result.class_names == ("negative", "positive")
    return result.pipeline


def _wonderful_model(texts: list[str]) -> np.ndarray:
    p = np.array([0.9 if "wonderful" in words(text) else 0.1 for text in texts])
    return np.column_stack([1.0 - p, p])


def test_function_model_ranks_its_word_first():
    text = "We went there on a friday. The food was wonderful and the waiter was kind."
    explanation = explain_text(text, _wonderful_model, label=POSITIVE, num_samples=2000)
    assert explanation.weights[0].word == "wonderful"
    assert explanation.weights[0].weight == pytest.approx(0.8, abs=0.05)
    assert all(abs(w.weight) < 0.05 for w in explanation.weights[1:])
    assert explanation.num_samples == 2000
    assert explanation.local_prediction == pytest.approx(0.9, abs=0.05)


def test_demo_model_points_at_the_deciding_word(demo, demo_model):
    text = next(r for r in demo["review"] if "excellent" in words(r) and len(set(words(r)) & _DECIDING) == 1)
    label = int(np.argmax(demo_model.predict_proba([text])[0]))
    assert label == POSITIVE
    explanation = explain_text(text, demo_model.predict_proba, label=label, num_samples=3000)
    assert explanation.weights[0] == WordWeight("excellent", explanation.weights[0].weight)
    assert explanation.weights[0].weight > 0.1
    # The highlighted span of the deciding word carries the largest weight.
    spans = explanation.spans
    assert "".join(text[s:e] for s, e, _ in spans) == text
    assert [s for s, _, _ in spans] == sorted(s for s, _, _ in spans)
    weighted = [(abs(w), text[s:e].lower()) for s, e, w in spans if w is not None]
    assert max(weighted)[1] == "excellent"


def test_same_seed_same_explanation(demo_model, demo):
    text = demo["review"][3]
    a = explain_text(text, demo_model.predict_proba, label=1, num_samples=1000, random_state=7)
    b = explain_text(text, demo_model.predict_proba, label=1, num_samples=1000, random_state=7)
    c = explain_text(text, demo_model.predict_proba, label=1, num_samples=1000, random_state=8)
    assert a == b
    assert a != c


def test_negation_blames_both_words_of_not_great(demo_model):
    """The demo's rule: "not" flips the word after it, and alone decides nothing.

    So in "the food was not great" neither word decides alone: the pair does.
    Removing "not" leaves "great" (positive); removing "great" leaves no
    deciding word. Both removals move the prediction away from negative, so
    explained as "negative", both words get positive weights, and they are
    the two largest.
    """
    text = "the food was not great"
    assert int(np.argmax(demo_model.predict_proba([text])[0])) == NEGATIVE
    explanation = explain_text(text, demo_model.predict_proba, label=NEGATIVE)
    weights = {w.word: w.weight for w in explanation.weights}
    top_two = {w.word for w in explanation.weights[:2]}
    assert top_two == {"not", "great"}
    assert weights["not"] > 0.1
    assert weights["great"] > 0.05
    # Explained as "positive" the same words push the other way.
    flipped = explain_text(text, demo_model.predict_proba, label=POSITIVE)
    assert {w.word: w.weight for w in flipped.weights}["not"] == pytest.approx(-weights["not"], abs=1e-9)


def test_markup_in_the_text_is_kept_verbatim_as_data():
    text = 'Wonderful <script>alert(1)</script> and <img src=x onerror=alert(1)> "quoted" & more'
    seen: list[str] = []

    def model(texts):
        seen.extend(texts[:1])
        return _wonderful_model(texts)

    explanation = explain_text(text, model, label=POSITIVE, num_samples=200)
    assert seen == [text]
    assert "".join(text[s:e] for s, e, _ in explanation.spans) == text
    assert explanation.weights[0].word == "wonderful"
    assert {w.word for w in explanation.weights} <= set(words(text))
    document = explanation.to_dict()
    assert json.loads(json.dumps(document)) == document
    assert document["weights"][0] == {
        "feature": "wonderful",
        "condition": 'contains "wonderful"',
        "weight": explanation.weights[0].weight,
    }
    assert document["spans"][0] == [0, 9, explanation.weights[0].weight]


def test_agrees_with_lime_on_the_top_words(demo_model, demo):
    from lime.lime_text import LimeTextExplainer

    text = demo["review"][5]
    label = int(np.argmax(demo_model.predict_proba([text])[0]))
    ours = explain_text(text, demo_model.predict_proba, label=label, num_samples=5000)
    theirs = LimeTextExplainer(class_names=["negative", "positive"], random_state=0).explain_instance(
        text, demo_model.predict_proba, labels=(label,), num_features=10, num_samples=5000
    )
    top_ours = [w.word for w in ours.weights[:3]]
    top_theirs = [word.lower() for word, _ in theirs.as_list(label=label)[:3]]
    assert len(set(top_ours) & set(top_theirs)) >= 2, (top_ours, top_theirs)
    assert top_ours[0] == top_theirs[0]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="no words"):
        explain_text("?! ...", _wonderful_model, label=1)
    with pytest.raises(ValueError, match="num_samples"):
        explain_text("good", _wonderful_model, label=1, num_samples=10)
    with pytest.raises(ValueError, match="out of range"):
        explain_text("good", _wonderful_model, label=2, num_samples=50)
    with pytest.raises(ValueError, match="shape"):
        explain_text("good", lambda texts: np.ones((1, 2)), label=0, num_samples=50)


def test_progress_is_reported():
    calls = []
    explain_text("a wonderful day", _wonderful_model, label=1, num_samples=100, on_progress=lambda *a: calls.append(a))
    assert calls == [(0, 100), (100, 100)]
    assert isinstance(explain_text("a day", _wonderful_model, label=0, num_samples=50), TextLimeExplanation)


def test_engine_does_not_import_django():
    code = (
        "import sys\n"
        "import limelight.explainers.lime_text, limelight.explainers.anchor_text\n"
        "import limelight.text.training, limelight.text.demos\n"
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
