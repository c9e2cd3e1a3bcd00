"""Text LIME: ours vs. the floor vs. lime.lime_text, pair by pair.

A TF-IDF + logistic regression pipeline is trained on the generated demo
reviews; 50- and 200-word texts are explained at 5000 samples. The floor is
one ``predict_proba`` on the 5000 perturbed texts themselves (the unavoidable
cost: the model must read them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from limelight.explainers.lime_text import explain_text
from limelight.text.demos import text_demo_frame
from limelight.text.tokens import words
from limelight.text.training import train_text_classifier

from .timing import interleaved, peak_mb

LENGTHS = (50, 200)
NUM_SAMPLES = 5000
TOP_K = 5


def _text_of(reviews: list[str], n_words: int) -> str:
    """Whole demo reviews joined until ``n_words`` words, cut at a word boundary."""
    joined = " ".join(reviews)
    cut = joined.split(" ")
    # Demo reviews separate words by single spaces; stop once n_words words are in.
    out: list[str] = []
    for piece in cut:
        if len(words(" ".join([*out, piece]))) > n_words:
            break
        out.append(piece)
    return " ".join(out)


def run(quick: bool, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """One row per text length: seconds, ratios, top-5 agreement and peak memory."""
    demo = text_demo_frame()
    model = train_text_classifier(demo["review"], demo["sentiment"]).pipeline
    reviews = demo["review"].tolist()
    rows = [_case(model, _text_of(reviews, n_words), n_words, repeats, log) for n_words in LENGTHS]
    return {"rows": rows}


def _case(model: Any, text: str, n_words: int, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    from lime.lime_text import LimeTextExplainer

    label = int(np.argmax(model.predict_proba([text])[0]))
    # The floor: predicting the very texts the explanation asks about, in one call.
    captured: list[list[str]] = []

    def capture(texts: list[str]) -> np.ndarray:
        captured.append(list(texts))
        return model.predict_proba(texts)

    explain_text(text, capture, label=label, num_samples=NUM_SAMPLES)
    floor_texts = captured[0]
    reference = LimeTextExplainer(class_names=["negative", "positive"], random_state=0)

    def ours() -> Any:
        return explain_text(text, model.predict_proba, label=label, num_samples=NUM_SAMPLES)

    def lime() -> Any:
        return reference.explain_instance(
            text, model.predict_proba, labels=(label,), num_features=10, num_samples=NUM_SAMPLES
        )

    def floor() -> Any:
        return model.predict_proba(floor_texts)

    log(f"  text/{n_words} words")
    times = interleaved({"ours": ours, "floor": floor, "lime": lime}, repeats)
    top_ours = [w.word for w in ours().weights[:TOP_K]]
    top_lime = [word.lower() for word, _ in lime().as_list(label=label)[:TOP_K]]
    return {
        "case": f"lime_text/{n_words}_words/logistic_regression",
        "words": len(words(text)),
        "distinct_words": len(set(words(text))),
        "ours_s": times["ours"],
        "floor_s": times["floor"],
        "lime_s": times["lime"],
        "ours_over_floor": times["ours"] / times["floor"],
        "lime_over_floor": times["lime"] / times["floor"],
        "ours_over_lime": times["ours"] / times["lime"],
        "top5_agreement": len(set(top_ours) & set(top_lime)) / TOP_K,
        "top5_ours": top_ours,
        "top5_lime": top_lime,
        "peak_mb_ours": peak_mb(ours),
        "peak_mb_lime": peak_mb(lime),
    }


def summary(result: dict[str, Any]) -> str:
    """A few lines for the report."""
    lines = ["text LIME (5000 samples, TF-IDF + logistic regression; goal ours/floor <= 1.5):"]
    for row in result["rows"]:
        lines.append(
            f"  {row['case']}: ours {row['ours_s'] * 1000:.0f} ms, floor {row['floor_s'] * 1000:.0f} ms, "
            f"lime {row['lime_s'] * 1000:.0f} ms; ours/floor {row['ours_over_floor']:.2f}, "
            f"lime/floor {row['lime_over_floor']:.2f}, ours/lime {row['ours_over_lime']:.2f}; "
            f"top-5 agreement {row['top5_agreement']:.0%}; peak MB ours {row['peak_mb_ours']:.1f}, "
            f"lime {row['peak_mb_lime']:.1f}"
        )
    return "\n".join(lines)
