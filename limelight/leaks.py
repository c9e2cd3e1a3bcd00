"""Reasons that are too good: one column, word or image region that alone gives the class away.

The lesson of the "wolf or husky" model that looked at snow: a model can be accurate for the
wrong reason. After training, each feature is given a tiny model of its own, fitted on the
training split and scored on the hold-out (balanced accuracy, so a rare class counts as much as
a common one): a table's column (a depth-limited tree on a number and on whether it is blank; a
category's classes looked up), a word's presence in a text, the colour of an image's border or
corners. A feature whose tiny model alone predicts the target almost perfectly is flagged: a copy
or a coding of the target, a column filled in only after the outcome (blank for one class), an
identifier that sorts with the target, a word found only in one class's texts, a background or a
watermark that marks one class of pictures. No names are guessed: only what the values do.

Plain engine code (NumPy, pandas, scikit-learn); no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

# Flag a feature whose tiny model alone reaches this hold-out balanced accuracy. Honest strong
# signals stay well below it: on the public files the best single column reaches about 0.8
# (heart: "thal", adult: "relationship"; zoo's 7 classes cannot be told apart by one column, nor
# penguins' 3 species by one measurement), because a real-world cause leaves exceptions; a copy of
# the target, a post-outcome column or a one-class marker leaves (almost) none. 0.95 keeps a
# margin on both sides: a leak that holds for 19 cases in 20 of each class is still flagged.
LEAK_THRESHOLD = 0.95
# Or: a feature that alone reaches this, and within MODEL_MARGIN of the whole model's own hold-out
# balanced accuracy, is most of what the model knows ("carries most of the importance", measured
# where it counts, on the hold-out). The LIME paper's e-mail header words are like this: not in
# every message, but the model is little more than them (a signature in 95% of one topic and 3% of
# the other: 0.92 alone, 0.95 for the model). The best honest column seen stays under 0.9.
ALONE_FLOOR = 0.9
MODEL_MARGIN = 0.05
# Below this many held-out cases (or this many of one class: with one or two, luck alone moves a
# balanced score by a whole share of a class), a perfect score is too likely to be
# luck to call it a leak: the check says nothing rather than raise a false alarm.
MIN_HELD_OUT = 20
MIN_HELD_OUT_PER_CLASS = 3
# Table columns: a tree this deep on one number can code up to 8 classes, and finds a threshold
# that an identifier sorted with the target crosses once.
_TREE_DEPTH = 3
# Text: words in fewer training texts than this are too rare to carry most of a class.
_MIN_WORD_TEXTS = 3
_MOST_WORDS = 5  # at most this many leaking words are named (the best first)
# Images: the statistics are read on a small copy; the border and each corner square are an
# eighth of its side (a stamp or a frame that size is what marks a picture; bigger, and the
# subject's own colours come in).
_IMAGE_SIDE = 48
_BORDER = _IMAGE_SIDE // 8


@dataclass(frozen=True)
class Leak:
    """One feature that alone predicts the target almost perfectly on the hold-out.

    ``feature``: the column's name, the word, or the image region in words. ``kind``: "column",
    "word" or "region". ``alone_score``: the hold-out balanced accuracy of that feature alone;
    ``alone_accuracy``: the share of held-out cases it gets right; ``n_test``: how many there
    were. ``why``: "missing" when whether the column is blank already gives the class away,
    "values" otherwise. For an amount (``measure="r2"``) both scores are the hold-out R² of the
    feature alone: the share of the amount's differences it accounts for.
    """

    feature: str
    kind: str
    alone_score: float
    alone_accuracy: float
    n_test: int
    why: str = "values"
    measure: str = "balanced_accuracy"  # or "r2" for an amount: the share of its differences accounted for

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def leak_sentence(leak: dict[str, Any], *, target: str, cases: str) -> str:
    """The warning a person reads, from a stored leak (:meth:`Leak.to_json`).

    "“discharge_code” alone predicts “died” right for 99% of the 250 held-out rows — is it known
    before the outcome? If not, remove it and train again."
    """
    share = _percent(leak["alone_accuracy"])
    held_out = f"{leak['n_test']:,} held-out {cases}"
    if leak["kind"] == "word":
        return (
            f"The word “{leak['feature']}” alone predicts “{target}” right for {share} of the {held_out} — "
            "is it part of what the text says, or a mark added by whoever sorted them (a signature, a header)? "
            "If it is a mark, the model is right for the wrong reason."
        )
    if leak["kind"] == "region":
        return (
            f"{leak['feature'][0].upper()}{leak['feature'][1:]} alone tells the classes apart for {share} of the "
            f"{held_out} — the model may be looking at the background or a mark, not the subject. "
            "Look at which regions its explanations pick."
        )
    blank = " (whether it is blank, for a start)" if leak.get("why") == "missing" else ""
    if leak.get("measure") == "r2":
        return (
            f"“{leak['feature']}” alone{blank} accounts for {share} of the differences in “{target}” among the "
            f"{held_out} (R² {leak['alone_score']:.2f}) — is it known before the outcome? If not, remove it and "
            "train again."
        )
    return (
        f"“{leak['feature']}” alone{blank} predicts “{target}” right for {share} of the {held_out} — "
        "is it known before the outcome? If not, remove it and train again."
    )


# An explanation leans on a leak when the leaking feature is among its few largest reasons.
TOP_REASONS = 3


def leaned_on(leaks: Sequence[dict[str, Any]], result: dict[str, Any], *, top: int = TOP_REASONS) -> tuple[str, ...]:
    """The leaking features a finished explanation leans on, in its own order.

    ``leaks``: the model's stored leaks; ``result``: an explanation's stored result. A column or a
    word counts when it is among the ``top`` largest weights (LIME, KernelSHAP) or in the rule
    (Anchors). An image region counts for every explanation of the model: which regions are
    background is not known from the result, and a border that gives the class away is open to
    every picture.
    """
    regions = tuple(leak["feature"] for leak in leaks if leak["kind"] == "region")
    named = {str(leak["feature"]).lower(): str(leak["feature"]) for leak in leaks if leak["kind"] != "region"}
    if not named:
        return regions
    if result.get("weights"):
        largest = sorted(result["weights"], key=lambda weight: -abs(weight["weight"]))[:top]
        used = [str(weight["feature"]) for weight in largest]
    else:  # Anchors: the columns of a table's rule, or the words a text's rule keeps
        used = [str(feature) for feature in result.get("features") or result.get("rule") or ()]
    found = [named[name.lower()] for name in used if name.lower() in named]
    return (*regions, *dict.fromkeys(found))


def _percent(share: float) -> str:
    # Never "100%" for a measured share below 1, never "99%" for one that is exactly 1.
    if share >= 1.0:
        return "all"
    return f"{min(99.0, np.floor(100 * share)):.0f}%"


def split_rows(truths: np.ndarray, in_training: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model's training and held-out positions, from what training stored per input (a class
    index, -1 where missing; or an amount, NaN where missing)."""
    in_training = np.asarray(in_training, dtype=bool)
    truths = np.asarray(truths)
    known = np.isfinite(truths) if np.issubdtype(truths.dtype, np.floating) else truths >= 0
    return np.flatnonzero(in_training), np.flatnonzero(~in_training & known)


def enough_held_out(truths: np.ndarray, test_rows: np.ndarray) -> bool:
    """Whether the hold-out is big enough, in all and in every class, to tell a leak from luck."""
    classes = truths[test_rows]
    counts = np.bincount(classes, minlength=int(truths.max()) + 1)
    return len(test_rows) >= MIN_HELD_OUT and int(counts.min()) >= MIN_HELD_OUT_PER_CLASS


def _scores(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> tuple[float, float]:
    """(balanced accuracy, accuracy) of predictions over every class of the target."""
    recalls = [float(np.mean(y_pred[y_true == c] == c)) for c in range(n_classes) if np.any(y_true == c)]
    return float(np.mean(recalls)), float(np.mean(y_pred == y_true))


def too_good(alone_score: float, model_score: float | None = None) -> bool:
    """Whether a feature's own hold-out score makes it a leak: near-perfect, or nearly all the model does."""
    if alone_score >= LEAK_THRESHOLD:
        return True
    return model_score is not None and alone_score >= max(ALONE_FLOOR, model_score - MODEL_MARGIN)


def _flagged(leaks: list[Leak], model_score: float | None) -> list[Leak]:
    return sorted(
        (leak for leak in leaks if too_good(leak.alone_score, model_score)), key=lambda leak: -leak.alone_score
    )


# ---- tables -------------------------------------------------------------------------------------


def table_leaks(
    frame: pd.DataFrame,
    features: Sequence[str],
    truths: np.ndarray,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    *,
    numeric: Sequence[str] = (),
    model_score: float | None = None,
) -> list[Leak]:
    """The model's columns that alone predict the target almost perfectly (:func:`too_good`, with
    ``model_score`` the model's own hold-out balanced accuracy), the best first.

    ``frame`` is the file's table; ``numeric`` names the columns the model reads as numbers (text
    read under the file's decimal, ``frame.attrs["decimal"]``), every other column is a category.
    ``truths`` are class indices per row (-1: missing), ``train_rows`` / ``test_rows`` the model's
    own split.
    """
    if not enough_held_out(truths, test_rows):
        return []
    n_classes = int(truths.max()) + 1
    y_train, y_test = truths[train_rows], truths[test_rows]
    leaks = []
    for name in features:
        column = frame[name]
        if name in set(numeric):
            predict = _number_column_model(column, train_rows, y_train, frame.attrs.get("decimal", "."))
        else:
            predict = _category_column_model(column, train_rows, y_train, n_classes)
        score, accuracy = _scores(y_test, predict(test_rows), n_classes)
        if not too_good(score, model_score):
            continue
        blank = _blank_model(column, train_rows, y_train, n_classes)
        blank_score, _ = _scores(y_test, blank(test_rows), n_classes)
        why = "missing" if blank_score >= score - 0.01 else "values"  # the blanks alone do (nearly) as well
        leaks.append(Leak(str(name), "column", round(score, 4), round(accuracy, 4), len(test_rows), why))
    return _flagged(leaks, model_score)


def _number_column_model(
    column: pd.Series, train_rows: np.ndarray, y_train: np.ndarray, decimal: str
) -> Callable[[np.ndarray], np.ndarray]:
    """A depth-limited tree on the number and on whether it is blank (class-balanced)."""
    from sklearn.tree import DecisionTreeClassifier

    values = _numbers(column, decimal)
    blank = np.isnan(values)
    filled = np.where(blank, np.nanmedian(values[train_rows]) if np.any(~blank[train_rows]) else 0.0, values)
    inputs = np.column_stack([filled, blank])
    tree = DecisionTreeClassifier(max_depth=_TREE_DEPTH, class_weight="balanced", random_state=0)
    tree.fit(inputs[train_rows], y_train)
    return lambda rows: tree.predict(inputs[rows])


def _numbers(column: pd.Series, decimal: str) -> np.ndarray:
    """The column as floats (NaN: blank), text read as the file writes numbers, as the model reads it."""
    if pd.api.types.is_numeric_dtype(column):
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64")
    from limelight.tabular.numbers import parse_as_numbers

    texts = [None if pd.isna(value) else str(value) for value in column.to_numpy(dtype=object)]
    return np.asarray(parse_as_numbers(texts, decimal).values, dtype="float64")


def _category_column_model(
    column: pd.Series, train_rows: np.ndarray, y_train: np.ndarray, n_classes: int
) -> Callable[[np.ndarray], np.ndarray]:
    """Each value (blank is a value) looked up: the class it is most typical of in training."""
    codes, _ = pd.factorize(column.astype("string").fillna("\x00blank"), sort=False)
    return _lookup(codes, train_rows, y_train, n_classes)


def _blank_model(
    column: pd.Series, train_rows: np.ndarray, y_train: np.ndarray, n_classes: int
) -> Callable[[np.ndarray], np.ndarray]:
    """Whether the cell is blank, and nothing else."""
    return _lookup(column.isna().to_numpy().astype(np.int64), train_rows, y_train, n_classes)


def _lookup(
    codes: np.ndarray, train_rows: np.ndarray, y_train: np.ndarray, n_classes: int
) -> Callable[[np.ndarray], np.ndarray]:
    """Each code predicts the class with the highest share of its training cases carrying it
    (shares, not counts: a balanced score must not favour the common class); a code unseen in
    training predicts the most common class."""
    n_codes = int(codes.max()) + 1
    counts = np.zeros((n_codes, n_classes))
    np.add.at(counts, (codes[train_rows], y_train), 1)
    class_sizes = np.bincount(y_train, minlength=n_classes).astype(float)
    shares = counts / np.maximum(class_sizes, 1)
    seen = counts.sum(axis=1) > 0
    table = np.where(seen, np.argmax(shares, axis=1), int(np.argmax(class_sizes)))
    return lambda rows: table[codes[rows]]


def amount_leaks(
    frame: pd.DataFrame,
    features: Sequence[str],
    amounts: np.ndarray,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    *,
    numeric: Sequence[str] = (),
    model_score: float | None = None,
) -> list[Leak]:
    """For an amount: the columns whose tiny model alone accounts for nearly all of its differences
    on the hold-out (R², with the same thresholds as a class's balanced accuracy), the best first.

    The tiny models are a class's, predicting a number: a depth-limited tree on a number and on
    whether it is blank; a category's values looked up (their training average).
    """
    from sklearn.tree import DecisionTreeRegressor

    if len(test_rows) < MIN_HELD_OUT:
        return []
    y_train, y_test = amounts[train_rows], amounts[test_rows]
    spread = float(np.sum((y_test - y_test.mean()) ** 2))
    if spread <= 0:
        return []

    def r2(predicted: np.ndarray) -> float:
        return 1.0 - float(np.sum((y_test - predicted) ** 2)) / spread

    leaks = []
    for name in features:
        column = frame[name]
        if name in set(numeric):
            values = _numbers(column, frame.attrs.get("decimal", "."))
            blank = np.isnan(values)
            filled = np.where(blank, np.nanmedian(values[train_rows]) if np.any(~blank[train_rows]) else 0.0, values)
            inputs = np.column_stack([filled, blank])
            tree = DecisionTreeRegressor(max_depth=_TREE_DEPTH, random_state=0).fit(inputs[train_rows], y_train)
            predicted = tree.predict(inputs[test_rows])
        else:
            codes, _ = pd.factorize(column.astype("string").fillna("\x00blank"), sort=False)
            sums = np.bincount(codes[train_rows], weights=y_train, minlength=int(codes.max()) + 1)
            counts = np.bincount(codes[train_rows], minlength=int(codes.max()) + 1)
            means = np.where(counts > 0, sums / np.maximum(counts, 1), float(y_train.mean()))
            predicted = means[codes[test_rows]]
        score = r2(predicted)
        if too_good(score, model_score):
            blank_mean = {flag: float(y_train[column.isna().to_numpy()[train_rows] == flag].mean()) for flag in (0, 1)
                          if np.any(column.isna().to_numpy()[train_rows] == flag)}  # fmt: skip
            blanks = column.isna().to_numpy()[test_rows].astype(int)
            blank_score = r2(np.array([blank_mean.get(flag, float(y_train.mean())) for flag in blanks]))
            why = "missing" if blank_score >= score - 0.01 else "values"
            leaks.append(Leak(str(name), "column", round(score, 4), round(score, 4), len(test_rows), why, "r2"))
    return _flagged(leaks, model_score)


# ---- texts --------------------------------------------------------------------------------------


def text_leaks(
    texts: Sequence[str],
    truths: np.ndarray,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    *,
    model_score: float | None = None,
) -> list[Leak]:
    """Words whose presence alone predicts the class almost perfectly on the hold-out, the best first.

    Words as the text models read them (:data:`limelight.text.tokens.WORD_PATTERN`, lowercased).
    Each word predicts, when present, the class whose training texts carry it most often (as a
    share of that class) and, when absent, the class whose texts lack it most often: every word
    of the vocabulary is scored at once with two sparse products.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    from limelight.text.tokens import WORD_PATTERN

    if not enough_held_out(truths, test_rows):
        return []
    n_classes = int(truths.max()) + 1
    texts = ["" if text is None else str(text) for text in texts]
    vectorizer = CountVectorizer(token_pattern=WORD_PATTERN, lowercase=True, binary=True, min_df=_MIN_WORD_TEXTS)
    try:
        present_train = vectorizer.fit_transform([texts[i] for i in train_rows])
    except ValueError:  # no word is in enough training texts
        return []
    present_test = vectorizer.transform([texts[i] for i in test_rows])
    y_train, y_test = truths[train_rows], truths[test_rows]
    one_hot_train = np.eye(n_classes)[y_train]
    one_hot_test = np.eye(n_classes)[y_test]
    train_sizes = one_hot_train.sum(axis=0)
    test_sizes = one_hot_test.sum(axis=0)
    with_word = np.asarray(present_train.T @ one_hot_train)  # (words, classes): training texts with it
    with_word_test = np.asarray(present_test.T @ one_hot_test)
    if_present = np.argmax(with_word / train_sizes, axis=1)
    if_absent = np.argmax((train_sizes - with_word) / train_sizes, axis=1)
    classes = np.arange(n_classes)
    right = with_word_test * (if_present[:, None] == classes) + (test_sizes - with_word_test) * (
        if_absent[:, None] == classes
    )  # held-out texts of each class (columns) each word's rule gets right
    scores = np.mean(right / test_sizes, axis=1)
    accuracies = right.sum(axis=1) / len(test_rows)
    words = vectorizer.get_feature_names_out()
    best = [i for i in np.argsort(-scores, kind="stable") if too_good(float(scores[i]), model_score)][:_MOST_WORDS]
    return [
        Leak(str(words[i]), "word", round(float(scores[i]), 4), round(float(accuracies[i]), 4), len(test_rows))
        for i in best
    ]


# ---- images -------------------------------------------------------------------------------------

# Where a background or a mark sits, away from the subject (which is usually in the middle, and
# honestly decides the class there): the border all round, and each corner.


def _region_masks(side: int, border: int) -> dict[str, np.ndarray]:
    corner = border
    masks = {}
    ring = np.ones((side, side), dtype=bool)
    ring[border:-border, border:-border] = False
    masks["the colour of the picture's border"] = ring
    for name, (rows, cols) in {
        "top left": (slice(0, corner), slice(0, corner)),
        "top right": (slice(0, corner), slice(side - corner, side)),
        "bottom left": (slice(side - corner, side), slice(0, corner)),
        "bottom right": (slice(side - corner, side), slice(side - corner, side)),
    }.items():
        mask = np.zeros((side, side), dtype=bool)
        mask[rows, cols] = True
        masks[f"the colour of the picture's {name} corner"] = mask
    return masks


def image_region_colours(images: Sequence[Any], *, on_progress: Callable[[int, int], None] | None = None) -> dict:
    """Each region's mean colour (R, G, B) per image: ``{region: (n, 3) array}``, a few images at a time."""
    from limelight.images.pixels import resize_batch

    masks = _region_masks(_IMAGE_SIDE, _BORDER)
    colours = {name: np.empty((len(images), 3)) for name in masks}
    chunk = 32
    for start in range(0, len(images), chunk):
        stop = min(start + chunk, len(images))
        small = resize_batch([images[i] for i in range(start, stop)], _IMAGE_SIDE).astype(np.float64)
        for name, mask in masks.items():
            colours[name][start:stop] = small[:, mask].mean(axis=1)
        if on_progress is not None:
            on_progress(stop, len(images))
    return colours


def image_leaks(
    images: Sequence[Any],
    truths: np.ndarray,
    train_rows: np.ndarray,
    test_rows: np.ndarray,
    *,
    colours: dict | None = None,
    model_score: float | None = None,
) -> list[Leak]:
    """Image regions (border, corners) whose colour alone predicts the class almost perfectly.

    ``colours`` are :func:`image_region_colours`' (computed here from ``images`` when not given).
    """
    from sklearn.tree import DecisionTreeClassifier

    if not enough_held_out(truths, test_rows):
        return []
    n_classes = int(truths.max()) + 1
    colours = colours if colours is not None else image_region_colours(images)
    y_train, y_test = truths[train_rows], truths[test_rows]
    leaks = []
    for name, values in colours.items():
        tree = DecisionTreeClassifier(max_depth=_TREE_DEPTH, class_weight="balanced", random_state=0)
        tree.fit(values[train_rows], y_train)
        score, accuracy = _scores(y_test, tree.predict(values[test_rows]), n_classes)
        leaks.append(Leak(name, "region", round(score, 4), round(accuracy, 4), len(test_rows)))
    flagged = _flagged(leaks, model_score)
    # The border holds the corners: when it is flagged, the corners say the same thing again.
    border = next(iter(_region_masks(_IMAGE_SIDE, _BORDER)))
    if any(leak.feature == border for leak in flagged):
        return [leak for leak in flagged if leak.feature == border]
    return flagged
