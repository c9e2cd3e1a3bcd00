"""The catalogue of classifiers: names, labels, cards and their checked settings.

Plain data with no scikit-learn, so the web process (models, forms, pages) can
list and validate classifiers without importing the training code; the
training modules import their names from here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from limelight.values import value_text

from .tabular.reading import TableError

__all__ = [
    "CLASSIFIERS",
    "CLASSIFIER_CARDS",
    "ESTIMATORS",
    "IMAGE_CLASSIFIERS",
    "IMAGE_FEATURES",
    "DEFAULT_IMAGE_FEATURES",
    "REGRESSORS",
    "TEXT_CLASSIFIERS",
    "TEXT_REGRESSORS",
    "ClassifierCard",
    "Knob",
    "clean_params",
    "wrong_task_message",
]

CLASSIFIERS: dict[str, str] = {
    "logistic_regression": "Logistic regression",
    "random_forest": "Random forest",
    "gradient_boosting": "Gradient boosting",
    "svm": "Support vector machine",
    "knn": "Nearest neighbours",
    "naive_bayes": "Naive Bayes",
    "decision_tree": "Decision tree",
    "mlp": "Neural network (MLP)",
}
# Amounts (regression): the same names where the family is the same. Logistic regression and
# naive Bayes only ever pick classes; linear regression (ridge) only ever estimates amounts.
REGRESSORS: dict[str, str] = {
    "linear_regression": "Linear regression (ridge)",
    "random_forest": "Random forest",
    "gradient_boosting": "Gradient boosting",
    "svm": "Support vector machine",
    "knn": "Nearest neighbours",
    "decision_tree": "Decision tree",
    "mlp": "Neural network (MLP)",
}
# Images and texts offer fewer kinds of model, under the same names where they coincide.
IMAGE_CLASSIFIERS: dict[str, str] = {
    "logistic_regression": "Logistic regression",
    "svm": "Support vector machine",
    "random_forest": "Random forest",
    "mlp": "Neural network (MLP)",
}

TEXT_CLASSIFIERS: dict[str, str] = {
    "logistic_regression": "Logistic regression",
    "naive_bayes": "Naive Bayes",
    "svm": "Linear support vector machine",
    "random_forest": "Random forest",
}
TEXT_REGRESSORS: dict[str, str] = {
    "linear_regression": "Linear regression (ridge)",
    "svm": "Linear support vector machine",
    "random_forest": "Random forest",
}
# Every name a model may carry, whatever it predicts (the model's field takes its choices from here).
ESTIMATORS: dict[str, str] = {**CLASSIFIERS, **REGRESSORS}
# What an image model reads from each picture (see images/features.py); the first is the default.
IMAGE_FEATURES: dict[str, str] = {
    "network": (
        "Learned features (pretrained) — what a network trained on millions of photos sees in the picture: "
        "parts of animals, objects, textures. Best for photos; it always looks at a 224-pixel copy."
    ),
    "hog": (
        "Shapes and edges (HOG) — which way the edges point in each small patch; colour is ignored. "
        "Good for drawings and simple shapes."
    ),
    "raw": (
        "Raw pixels — the colour of every pixel of a small copy of the image; it depends on where things are. "
        "Good for drawings and simple shapes that are always in the same place."
    ),
    "color_histogram": (
        "Colour histogram — how much of each colour the image holds, wherever it is. "
        "Good when colour alone tells the classes apart."
    ),
}
DEFAULT_IMAGE_FEATURES = "network"


@dataclass(frozen=True)
class Knob:
    """One setting of a classifier a user may change, with a safe range and a default.

    ``name`` is the key in the params dict; ``label`` and ``help`` are shown
    on the page. ``minimum`` / ``maximum`` bound "int" and "float" knobs
    (inclusive); "choice" knobs take one of ``choices``.
    """

    name: str
    label: str
    help: str
    kind: Literal["int", "float", "choice"]
    default: object
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClassifierCard:
    """What a classifier is, in one paragraph for a non-programmer, and its knobs."""

    name: str
    label: str
    description: str
    knobs: tuple[Knob, ...]


_NO_LIMIT = "0 means no limit."
CLASSIFIER_CARDS: dict[str, ClassifierCard] = {
    card.name: card
    for card in (
        ClassifierCard(
            "logistic_regression",
            CLASSIFIERS["logistic_regression"],
            "Adds up each column's evidence with one weight per column and turns the total into a "
            "probability. It shines when each column pushes the answer steadily one way (more of it, "
            'more likely), and its reasons are easy to follow. It misses combinations ("only young '
            'AND poor") and curved effects unless you add them as columns.',
            (
                Knob(
                    "C",
                    "Regularisation strength C",
                    "Smaller values keep the weights small and the model cautious; larger values let "
                    "it follow the training rows more closely.",
                    "float",
                    1.0,
                    0.001,
                    1000.0,
                ),
            ),
        ),
        ClassifierCard(
            "random_forest",
            CLASSIFIERS["random_forest"],
            "Grows many decision trees, each on a random sample of the rows and columns, and lets "
            "them vote. It works well out of the box on most tables, copes with mixed columns and "
            "combinations of effects, and rarely needs tuning. Watch for columns that leak the answer "
            "(an id or a date that tracks the outcome): a forest will happily use them.",
            (
                Knob(
                    "n_estimators",
                    "Number of trees",
                    "More trees give steadier votes but take longer to train and to explain.",
                    "int",
                    200,
                    10,
                    500,
                ),
                Knob(
                    "max_depth",
                    "Maximum depth",
                    f"How many questions each tree may ask in a row. {_NO_LIMIT}",
                    "int",
                    0,
                    0,
                    50,
                ),
            ),
        ),
        ClassifierCard(
            "gradient_boosting",
            CLASSIFIERS["gradient_boosting"],
            "Builds small trees one after another, each correcting the mistakes of the ones before. "
            "It is often the most accurate choice on tables with many rows, and handles missing "
            "values itself. With few rows it can learn the noise: compare its held-out accuracy "
            "with a random forest's.",
            (
                Knob(
                    "learning_rate",
                    "Learning rate",
                    "How much each new tree may correct. Smaller is more careful but needs more trees.",
                    "float",
                    0.1,
                    0.01,
                    1.0,
                ),
                Knob(
                    "max_iter",
                    "Number of trees",
                    "How many correcting trees to build, one after another.",
                    "int",
                    100,
                    10,
                    500,
                ),
            ),
        ),
        ClassifierCard(
            "svm",
            CLASSIFIERS["svm"],
            "Draws a flexible boundary between the classes that keeps as wide a margin as possible "
            "from the training rows. It is strong on small and medium tables with numeric columns. "
            "It becomes slow beyond tens of thousands of rows, and its probabilities are estimated "
            "afterwards, so treat them as approximate.",
            (
                Knob(
                    "C",
                    "Regularisation strength C",
                    "Smaller values give a smoother boundary that tolerates a few misclassified rows; "
                    "larger values bend the boundary around every training row.",
                    "float",
                    1.0,
                    0.01,
                    100.0,
                ),
                Knob(
                    "gamma",
                    "Reach of each row (gamma)",
                    "How far the influence of one training row reaches; 'scale' adapts to the data.",
                    "choice",
                    "scale",
                    choices=("scale", "auto"),
                ),
            ),
        ),
        ClassifierCard(
            "knn",
            CLASSIFIERS["knn"],
            "Finds the most similar rows in the training data and lets them vote. It is easy to "
            'understand ("people like you were...") and needs no training. It struggles when many '
            "columns do not matter, since they still count in the similarity, and predicting is "
            "slow on big tables.",
            (
                Knob(
                    "n_neighbors",
                    "Number of neighbours",
                    "How many similar rows vote. Few neighbours follow local quirks; many smooth them out.",
                    "int",
                    5,
                    1,
                    50,
                ),
                Knob(
                    "weights",
                    "Vote weighting",
                    "'uniform' gives every neighbour one vote; 'distance' lets closer neighbours count more.",
                    "choice",
                    "uniform",
                    choices=("uniform", "distance"),
                ),
            ),
        ),
        ClassifierCard(
            "naive_bayes",
            CLASSIFIERS["naive_bayes"],
            "Looks at each column on its own, asks how typical its value is for each class, and "
            "combines the answers as if the columns were unrelated. It is very fast and works with "
            "few rows. When columns repeat the same information its probabilities become "
            "overconfident, even if the predicted class is right.",
            (
                Knob(
                    "var_smoothing",
                    "Smoothing",
                    "A small amount added to every spread, so a column that barely varies cannot "
                    "dominate. Raise it if the model is overconfident.",
                    "float",
                    1e-9,
                    1e-12,
                    1.0,
                ),
            ),
        ),
        ClassifierCard(
            "decision_tree",
            CLASSIFIERS["decision_tree"],
            'Asks a sequence of yes/no questions about the columns ("is age above 40?") and '
            "predicts the majority class at the end. Small trees can be read in full, which makes "
            "them good for teaching. A deep tree memorises the training rows; limit its depth or "
            "leaf size if the held-out accuracy is much lower than you hoped.",
            (
                Knob(
                    "max_depth",
                    "Maximum depth",
                    f"How many questions may be asked in a row. {_NO_LIMIT}",
                    "int",
                    0,
                    0,
                    50,
                ),
                Knob(
                    "min_samples_leaf",
                    "Rows per leaf",
                    "The fewest training rows an answer may rest on. Larger values give simpler trees.",
                    "int",
                    1,
                    1,
                    50,
                ),
            ),
        ),
        ClassifierCard(
            "mlp",
            CLASSIFIERS["mlp"],
            "A small neural network: layers of simple units that learn combinations of the columns. "
            "It can capture curved and combined effects and works best with many rows of numeric "
            "data. It is the hardest to read on its own, which is when an explanation helps most; "
            "results can shift with the random seed.",
            (
                Knob(
                    "hidden_units",
                    "Hidden units",
                    "The size of the hidden layer. More units can learn more complex patterns, and more noise.",
                    "int",
                    32,
                    4,
                    256,
                ),
                Knob(
                    "alpha",
                    "Regularisation (alpha)",
                    "Larger values keep the network simpler and less likely to memorise the rows.",
                    "float",
                    1e-4,
                    1e-6,
                    1.0,
                ),
            ),
        ),
        ClassifierCard(
            "linear_regression",
            REGRESSORS["linear_regression"],
            "Adds up each column's effect with one weight per column: the prediction is a starting "
            "amount plus so much per unit of each column. It shines when each column pushes the amount "
            "steadily one way, and its reasons are the easiest to follow. It misses combinations and "
            "curved effects unless you add them as columns. It predicts amounts only, not categories.",
            (
                Knob(
                    "alpha",
                    "Regularisation strength (alpha)",
                    "Larger values keep the weights small and the model cautious; smaller values let it "
                    "follow the training rows more closely.",
                    "float",
                    1.0,
                    0.0,
                    1000.0,
                ),
            ),
        ),
    )
}


def settings_in_words(classifier: str, params: Mapping[str, object] | None) -> list[str]:
    """A model's knobs as a person reads them: "Maximum depth: no limit", never "max_depth = 0"."""
    card = CLASSIFIER_CARDS.get(classifier)
    knobs = {knob.name: knob for knob in card.knobs} if card else {}
    words = []
    for name, value in (params or {}).items():
        knob = knobs.get(name)
        if knob is None:  # a knob since retired: its name is all there is
            words.append(f"{name}: {value_text(value)}")
        elif value == 0 and _NO_LIMIT in knob.help:
            words.append(f"{knob.label}: no limit")
        else:
            words.append(f"{knob.label}: {value_text(value)}")
    return words


def wrong_task_message(classifier: str, task: str, offered: Mapping[str, str]) -> str:
    """Why ``classifier`` cannot learn this task, naming the ones to pick instead ("" when it can).

    ``offered`` is what the kind of data offers for ``task`` (e.g. :data:`REGRESSORS` for a table's amount).
    """
    if classifier in offered:
        return ""
    label = ESTIMATORS.get(classifier, classifier)
    choices = ", ".join(offered.values())
    if task == "regression":
        return f"{label} picks categories; it cannot predict an amount. For an amount, choose one of: {choices}."
    return f"{label} predicts amounts; it cannot pick a category. For a category, choose one of: {choices}."


def clean_params(classifier: str, params: Mapping[str, object] | None) -> dict[str, object]:
    """Every knob of ``classifier`` with a checked value of the right type.

    Missing, ``None`` or blank values take the knob's default; numbers may
    arrive as text (from a form). Raises :class:`TableError` with a plain
    message for an unknown classifier or knob, or a value out of range.
    """
    if classifier not in CLASSIFIER_CARDS:
        known = ", ".join(ESTIMATORS)
        raise TableError(f'There is no classifier called "{classifier}". Choose one of: {known}.')
    card = CLASSIFIER_CARDS[classifier]
    params = dict(params or {})
    knobs = {knob.name: knob for knob in card.knobs}
    unknown = sorted(set(params) - set(knobs))
    if unknown:
        allowed = ", ".join(knobs) or "none"
        raise TableError(f'{card.label} has no setting called "{unknown[0]}". Its settings are: {allowed}.')
    return {name: _clean_value(knob, params.get(name)) for name, knob in knobs.items()}


def _clean_value(knob: Knob, value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return knob.default
    if knob.kind == "choice":
        text = str(value).strip()
        if text not in knob.choices:
            options = ", ".join(f'"{choice}"' for choice in knob.choices)
            raise TableError(f"{knob.label} must be one of {options}.")
        return text
    # bool is an int in Python, but True trees is surely a form mix-up.
    number: float | None = None
    if not isinstance(value, bool):
        try:
            number = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = None
    if number is None or not math.isfinite(number):
        raise TableError(f"{knob.label} must be a number.")
    if knob.kind == "int" and not number.is_integer():
        raise TableError(f"{knob.label} must be a whole number.")
    assert knob.minimum is not None and knob.maximum is not None
    if not knob.minimum <= number <= knob.maximum:
        raise TableError(f"{knob.label} must be between {value_text(knob.minimum)} and {value_text(knob.maximum)}.")
    return int(number) if knob.kind == "int" else number
