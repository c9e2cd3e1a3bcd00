"""The leak detector: generated data whose leak (or honest signal) is known by construction.

Each leak is built in: the column, word or border that gives the class away is known before the
detector runs, and so is the honest data's best single feature (well short of near-perfect).
"""

import numpy as np
import pandas as pd
import pytest

from limelight.fitting import holdout_split
from limelight.images.demos import demo_images
from limelight.leaks import (
    ALONE_FLOOR,
    LEAK_THRESHOLD,
    MODEL_MARGIN,
    Leak,
    image_leaks,
    leak_sentence,
    split_rows,
    table_leaks,
    text_leaks,
)
from limelight.text.demos import text_demo_frame

pytestmark = pytest.mark.unit

ROWS = 400


def _split(truths: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return holdout_split(truths, too_few="too few", random_state=seed)


def _flagged(frame: pd.DataFrame, truths: np.ndarray, numeric: list[str]) -> list[str]:
    features = [name for name in frame.columns if name != "died"]
    train_rows, test_rows = _split(truths)
    return [leak.feature for leak in table_leaks(frame, features, truths, train_rows, test_rows, numeric=numeric)]


def _patients(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Honest columns: age and blood pressure raise the risk, with plenty of exceptions (about 75%)."""
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 12, ROWS)
    pressure = rng.normal(130, 15, ROWS)
    risk = 0.08 * (age - 60) + 0.04 * (pressure - 130) + rng.normal(0, 1, ROWS)
    died = (risk > 0).astype(np.int64)
    ward = rng.choice(["A", "B", "C"], ROWS)
    return pd.DataFrame({"age": age, "pressure": pressure, "ward": ward, "died": died}), died


def test_honest_patients_are_quiet():
    frame, truths = _patients()
    assert _flagged(frame, truths, ["age", "pressure"]) == []


def test_a_coding_of_the_target_is_flagged():
    frame, truths = _patients()
    # The outcome written again in the hospital's own words: died -> "D-17" or "D-42", survived -> "S-3".
    rng = np.random.default_rng(1)
    frame["outcome_code"] = np.where(truths == 1, rng.choice(["D-17", "D-42"], ROWS), "S-3")
    assert _flagged(frame, truths, ["age", "pressure"]) == ["outcome_code"]


def test_a_number_copy_of_the_target_is_flagged():
    frame, truths = _patients()
    frame["status"] = truths * 3.0 + 1  # 1 or 4: the target, recoded as a number
    assert _flagged(frame, truths, ["age", "pressure", "status"]) == ["status"]


def test_a_column_filled_in_only_after_the_outcome_is_flagged_as_blank_for_one_class():
    frame, truths = _patients()
    rng = np.random.default_rng(2)
    # Days until discharge: only survivors are discharged, so it is blank for every death.
    frame["discharge_days"] = np.where(truths == 0, rng.integers(1, 30, ROWS).astype(float), np.nan)
    train_rows, test_rows = _split(truths)
    found = table_leaks(
        frame,
        ["age", "pressure", "ward", "discharge_days"],
        truths,
        train_rows,
        test_rows,
        numeric=["age", "pressure", "discharge_days"],
    )
    assert [(leak.feature, leak.why, leak.alone_score) for leak in found] == [("discharge_days", "missing", 1.0)]
    assert found[0].n_test == len(test_rows) == 100


def test_an_identifier_that_sorts_with_the_target_is_flagged():
    frame, truths = _patients()
    rng = np.random.default_rng(3)
    # Record numbers: the deaths were filed in another range (50000s), rows shuffled, no running order.
    numbers = np.where(truths == 1, rng.permutation(10_000)[:ROWS] + 50_000, rng.permutation(10_000)[:ROWS] + 10_000)
    frame["record"] = numbers
    assert _flagged(frame, truths, ["age", "pressure", "record"]) == ["record"]


def test_an_identifier_in_no_order_is_quiet():
    frame, truths = _patients()
    frame["record"] = np.random.default_rng(4).permutation(ROWS) + 10_000
    assert _flagged(frame, truths, ["age", "pressure", "record"]) == []


def test_a_leak_that_holds_for_nineteen_in_twenty_is_still_flagged():
    frame, truths = _patients()
    rng = np.random.default_rng(5)
    flips = rng.random(ROWS) < 0.03  # 3% of rows break the leak
    frame["code"] = np.where(truths == 1, "D", "S")
    frame.loc[flips, "code"] = np.where(truths[flips] == 1, "S", "D")
    train_rows, test_rows = _split(truths)
    found = table_leaks(frame, ["age", "pressure", "code"], truths, train_rows, test_rows, numeric=["age", "pressure"])
    assert [leak.feature for leak in found] == ["code"]
    assert LEAK_THRESHOLD <= found[0].alone_score < 1.0


def _penguins(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three species, measurements that overlap: honest and strong (a forest gets ~95%), no one column near-perfect."""
    rng = np.random.default_rng(seed)
    species = rng.integers(0, 3, ROWS)
    means = np.array([[38.8, 18.3, 190, 3700], [48.8, 18.4, 196, 3730], [47.5, 15.0, 217, 5080]])
    spread = np.array([2.7, 1.2, 6.8, 460])
    values = means[species] + rng.normal(0, 1, (ROWS, 4)) * spread
    islands = np.array([["Torgersen", "Biscoe", "Dream"], ["Dream", "Dream", "Dream"], ["Biscoe", "Biscoe", "Biscoe"]])
    island = islands[species, rng.integers(0, 3, ROWS)]
    frame = pd.DataFrame(values, columns=["bill_length", "bill_depth", "flipper_length", "body_mass"])
    frame["island"] = island
    return frame, species


def _zoo(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Seven kinds of animal from yes/no traits: each trait marks one kind at most (milk: mammals)."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 7, ROWS)
    traits = {
        "milk": kind == 0,
        "feathers": kind == 1,
        "fins": kind == 2,
        "scales": np.isin(kind, [2, 3]),
        "legs6": kind == 4,
        "aquatic": np.isin(kind, [2, 5]) | (rng.random(ROWS) < 0.1),
        "backbone": kind <= 3,
    }
    return pd.DataFrame({name: values.astype(int) for name, values in traits.items()}), kind


def _adult(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Income over 50K: marriage, education and hours each raise the odds; about 80% by the best column."""
    rng = np.random.default_rng(seed)
    relationship = rng.choice(["Husband", "Wife", "Not-in-family", "Own-child", "Unmarried"], ROWS)
    education = rng.integers(6, 17, ROWS).astype(float)
    hours = rng.normal(40, 10, ROWS)
    married = np.isin(relationship, ["Husband", "Wife"])
    score = 1.8 * married + 0.35 * (education - 10) + 0.04 * (hours - 40) + rng.logistic(0, 0.8, ROWS) - 1.2
    rich = (score > 0).astype(np.int64)
    return pd.DataFrame({"relationship": relationship, "education_num": education, "hours": hours}), rich


@pytest.mark.parametrize(
    ("make", "numeric"),
    [
        (_penguins, ["bill_length", "bill_depth", "flipper_length", "body_mass"]),
        (_zoo, []),
        (_patients, ["age", "pressure"]),
        (_adult, ["education_num", "hours"]),
    ],
    ids=["penguins", "zoo", "heart", "adult"],
)
def test_honest_strong_signals_stay_quiet(make, numeric):
    frame, truths = make()
    features = [name for name in frame.columns if name != "died"]
    train_rows, test_rows = _split(truths)
    assert table_leaks(frame, features, truths, train_rows, test_rows, numeric=numeric) == []


def test_a_hold_out_too_small_to_tell_says_nothing():
    frame, truths = _patients()
    frame["code"] = np.where(truths == 1, "D", "S")
    rows = np.arange(ROWS)
    assert table_leaks(frame, ["code"], truths, rows[:300], rows[300:315]) == []  # 15 held out: under 20


def _messages(seed: int = 0, *, signed: float = 1.0, signed_other: float = 0.0) -> tuple[list[str], np.ndarray]:
    """Two topics told apart by their words with exceptions; topic 1's messages end with 'Cheers, Bob'."""
    rng = np.random.default_rng(seed)
    topic_words = [["engine", "wheel", "brake", "road"], ["orbit", "rocket", "launch", "moon"]]
    shared = ["the", "a", "today", "news", "about", "some", "people", "say", "we", "think"]
    texts, topics = [], []
    for _ in range(ROWS):
        topic = int(rng.integers(0, 2))
        own = topic if rng.random() < 0.75 else 1 - topic  # a quarter of the topic words are the other's
        words = list(rng.choice(shared, 8)) + list(rng.choice(topic_words[own], 2))
        text = " ".join(words)
        if rng.random() < (signed if topic == 1 else signed_other):
            text += ". Cheers, Bob"
        texts.append(text)
        topics.append(topic)
    return texts, np.array(topics)


def test_a_word_only_in_one_class_of_texts_is_flagged():
    texts, truths = _messages()
    train_rows, test_rows = _split(truths)
    found = text_leaks(texts, truths, train_rows, test_rows)
    assert sorted(leak.feature for leak in found) == ["bob", "cheers"]
    assert {leak.alone_score for leak in found} == {1.0}
    assert {leak.kind for leak in found} == {"word"}


def test_a_word_short_of_perfect_is_flagged_when_it_is_nearly_all_the_model_does():
    # The signature in 90% of one topic's messages and 6% of the other's: about 0.92 on its own.
    texts, truths = _messages(signed=0.9, signed_other=0.06)
    train_rows, test_rows = _split(truths)
    alone = text_leaks(texts, truths, train_rows, test_rows, model_score=0.0)  # every score above 0.9
    assert {leak.feature for leak in alone} == {"bob", "cheers"}
    assert ALONE_FLOOR <= min(leak.alone_score for leak in alone) < LEAK_THRESHOLD
    assert text_leaks(texts, truths, train_rows, test_rows) == []  # not near-perfect, the model unknown
    model_score = max(leak.alone_score for leak in alone) + MODEL_MARGIN / 2  # the model adds almost nothing
    assert {leak.feature for leak in text_leaks(texts, truths, train_rows, test_rows, model_score=model_score)} == {
        "bob",
        "cheers",
    }
    much_better = max(leak.alone_score for leak in alone) + MODEL_MARGIN + 0.02  # the model knows far more
    assert text_leaks(texts, truths, train_rows, test_rows, model_score=much_better) == []


def test_honest_texts_are_quiet():
    texts, truths = _messages(signed=0.0)
    train_rows, test_rows = _split(truths)
    assert text_leaks(texts, truths, train_rows, test_rows) == []
    reviews = text_demo_frame(seed=0, rows=400)
    truths = (reviews["sentiment"] == "positive").to_numpy().astype(np.int64)
    train_rows, test_rows = _split(truths)
    assert text_leaks(reviews["review"].tolist(), truths, train_rows, test_rows) == []


def _pictures(seed: int = 0, n: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """Two classes of a shape in the middle; class 1's pictures have a white frame (a watermark border)."""
    demo = demo_images(seed, per_class=n // 3)
    images = demo.images[:n].copy()
    truths = np.arange(n) % 2  # not the shape's class: the frame is the only thing that tells them apart
    framed = np.flatnonzero(truths == 1)
    for side in (np.s_[:12, :], np.s_[-12:, :], np.s_[:, :12], np.s_[:, -12:]):  # 12 of 96 pixels a side
        for index in framed:
            images[index][side] = 255
    return images, truths


def test_a_border_colour_marking_one_class_of_images_is_flagged():
    images, truths = _pictures()
    train_rows, test_rows = _split(truths)
    found = image_leaks(images, truths, train_rows, test_rows)
    assert [(leak.feature, leak.kind, leak.alone_score) for leak in found] == [
        ("the colour of the picture's border", "region", 1.0)
    ]


def test_a_mark_in_one_corner_is_flagged_as_that_corner():
    demo = demo_images(1, per_class=40)
    images, truths = demo.images.copy(), np.arange(120) % 2
    images[truths == 1, -10:, -10:] = (250, 20, 20)  # a red stamp, bottom right
    train_rows, test_rows = _split(truths)
    assert [leak.feature for leak in image_leaks(images, truths, train_rows, test_rows)] == [
        "the colour of the picture's bottom right corner"
    ]


def test_shapes_that_decide_the_class_are_quiet():
    demo = demo_images(0, per_class=40)  # the shape decides; backgrounds are random, the same for all
    truths = np.array([["circles", "squares", "triangles"].index(label) for label in demo.labels])
    train_rows, test_rows = _split(truths)
    assert image_leaks(demo.images, truths, train_rows, test_rows) == []


def test_split_rows_are_the_models_own():
    truths = np.array([0, 1, -1, 1, 0, 1])
    in_training = np.array([True, False, False, True, False, True])
    train_rows, test_rows = split_rows(truths, in_training)
    assert train_rows.tolist() == [0, 3, 5]
    assert test_rows.tolist() == [1, 4]  # row 2 has no class: neither


def test_sentences_name_the_feature_the_share_and_the_question():
    leak = Leak("discharge_code", "column", 0.991, 0.992, 250).to_json()
    assert leak_sentence(leak, target="died", cases="rows") == (
        "“discharge_code” alone predicts “died” right for 99% of the 250 held-out rows — "
        "is it known before the outcome? If not, remove it and train again."
    )
    blank = Leak("discharge_days", "column", 1.0, 1.0, 1200, "missing").to_json()
    assert leak_sentence(blank, target="died", cases="rows").startswith(
        "“discharge_days” alone (whether it is blank, for a start) predicts “died” right "
        "for all of the 1,200 held-out rows"
    )
    word = Leak("bob", "word", 0.97, 0.975, 80).to_json()
    assert leak_sentence(word, target="topic", cases="texts").startswith(
        "The word “bob” alone predicts “topic” right for 97% of the 80 held-out texts"
    )
    region = Leak("the colour of the picture's border", "region", 1.0, 1.0, 30).to_json()
    assert leak_sentence(region, target="class", cases="images").startswith(
        "The colour of the picture's border alone tells the classes apart for all of the 30 held-out images"
    )


def test_leaning_on_a_leak_is_at_most_look_closer_with_the_reason():
    from limelight.explainers.verdict import TrustSignals, trust_verdict

    good = {
        "explained": "yes", "baseline_class": "no", "correct": True, "fit_score": 0.9, "agreement": 1.0,
        "deletion_better": True, "insertion_better": True, "target": "died",
    }  # fmt: skip
    assert trust_verdict(TrustSignals(**good)).level == "trust"
    leaning = trust_verdict(TrustSignals(**good, leaks=("discharge_code",)))
    assert leaning.level == "look_closer"
    assert leaning.reason.startswith(
        "it leans on “discharge_code”, which alone gives “died” away: unless it is known before the outcome, "
        "the model is right for the wrong reason."
    )
    # A worse problem still leads: a leak never lifts a "do not trust".
    worse = trust_verdict(TrustSignals(**{**good, "fit_score": 0.2}, leaks=("discharge_code",)))
    assert worse.level == "do_not_trust" and "it leans on “discharge_code”" in worse.reason


def test_an_explanation_leans_on_a_leak_among_its_top_reasons_or_in_its_rule():
    from limelight.leaks import leaned_on

    leaks = [Leak("discharge_code", "column", 1.0, 1.0, 60).to_json(), Leak("Bob", "word", 1.0, 1.0, 60).to_json()]
    weights = [{"feature": name, "weight": w} for name, w in [("age", 0.5), ("ward", -0.4), ("x", 0.3), ("bob", 0.2)]]
    assert leaned_on(leaks, {"weights": weights}) == ()  # "bob" is fourth: not among the top three
    weights[2] = {"feature": "discharge_code", "weight": -0.45}
    assert leaned_on(leaks, {"weights": weights}) == ("discharge_code",)
    assert leaned_on(leaks, {"weights": [{"feature": "bob", "weight": 0.9}]}) == ("Bob",)  # words in any case
    assert leaned_on(leaks, {"rule": ["age > 60"], "features": ["age", "discharge_code"]}) == ("discharge_code",)
    assert leaned_on(leaks, {"rule": ["bob", "launch"]}) == ("Bob",)  # a text's rule keeps words
    border = Leak("the colour of the picture's border", "region", 1.0, 1.0, 30).to_json()
    assert leaned_on([border], {"weights": [{"feature": "region 3", "weight": 0.4}]}) == (border["feature"],)
    assert leaned_on([], {"weights": weights}) == ()


def _prices(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """An amount made of two honest columns and noise: each alone accounts for under half of it."""
    rng = np.random.default_rng(seed)
    size, rooms = rng.normal(100, 20, ROWS), rng.integers(1, 6, ROWS).astype(float)
    price = 3 * size + 40 * rooms + rng.normal(0, 30, ROWS)
    return pd.DataFrame({"size": size, "rooms": rooms, "town": rng.choice(["X", "Y"], ROWS)}), price


def _amount_split(amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return holdout_split(amounts, too_few="too few", random_state=0, task="regression")


def test_an_amount_written_again_in_another_unit_is_flagged_by_its_r2():
    from limelight.leaks import amount_leaks

    frame, price = _prices()
    frame["price_with_tax"] = price * 1.2  # the amount itself, recorded after the sale
    train_rows, test_rows = _amount_split(price)
    found = amount_leaks(
        frame, list(frame.columns), price, train_rows, test_rows, numeric=["size", "rooms", "price_with_tax"]
    )
    assert [(leak.feature, leak.measure) for leak in found] == [("price_with_tax", "r2")]
    assert found[0].alone_score >= LEAK_THRESHOLD  # a depth-3 tree on a straight line: 1 - 1/64 of it
    assert leak_sentence(found[0].to_json(), target="price", cases="rows").startswith(
        f"“price_with_tax” alone accounts for {int(100 * found[0].alone_score)}% of the differences in “price” "
        f"among the {len(test_rows)} held-out rows (R² {found[0].alone_score:.2f})"
    )


def test_an_honest_amount_is_quiet():
    from limelight.leaks import amount_leaks

    frame, price = _prices()
    train_rows, test_rows = _amount_split(price)
    assert amount_leaks(frame, list(frame.columns), price, train_rows, test_rows, numeric=["size", "rooms"]) == []
    # And the model's own R² does not make a half-explaining column a leak.
    assert amount_leaks(frame, ["size"], price, train_rows, test_rows, numeric=["size"], model_score=0.8) == []


def test_a_word_left_out_is_taken_out_of_every_text_the_model_reads():
    from limelight.text.training import build_text_pipeline, without_words

    assert without_words(["Posted through Hermes.", "hermes'd HERMES hermetic"], ["hermes"]) == [
        "Posted through .",
        "hermes'd  hermetic",  # whole words only, in any case
    ]
    texts, truths = _messages()  # topic 1 signs "Cheers, Bob"
    pipeline = build_text_pipeline("logistic_regression", left_out_words=["Bob", "cheers"]).fit(texts, truths)
    signed = pipeline.predict_proba(["the news about the moon. Cheers, Bob"])
    assert np.allclose(signed, pipeline.predict_proba(["the news about the moon. ,"]))
